// Benchmark client: uploads one file with tus-js-client and prints
// {"bytes":n,"ms":t,"mbps":x}. Usage: node tus_upload.js <endpoint> <file> <chunkBytes> [token]
'use strict';
const fs = require('fs');
const path = require('path');
const tus = require(path.join(__dirname, '..', '..', 'tests', 'node', 'node_modules', 'tus-js-client'));

const [endpoint, file, chunkArg, token] = process.argv.slice(2);
const size = fs.statSync(file).size;
const headers = token ? { Authorization: `Bearer ${token}` } : {};
const started = process.hrtime.bigint();
const upload = new tus.Upload(fs.createReadStream(file), {
  endpoint,
  uploadSize: size,
  chunkSize: Number(chunkArg),
  headers,
  metadata: { filename: path.basename(file) },
  retryDelays: null,
  onError: (err) => {
    process.stderr.write(String(err) + '\n');
    process.exit(1);
  },
  onSuccess: () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    process.stdout.write(JSON.stringify({ bytes: size, ms, mbps: size / 1e6 / (ms / 1000), url: upload.url }) + '\n');
  },
});
upload.start();
