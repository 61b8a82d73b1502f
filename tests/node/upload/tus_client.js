// Real tus client for upload_tests: drives tus-js-client (pinned in tests/node/package.json)
// against a running streamgate and prints one JSON line with the outcome.
//
//   node tus_client.js <endpoint> <file> <token> <mode> [chunkSize]
//   mode: "abort-resume" (abort after ~half, resume from the server's offset with a new
//         Upload object given the upload URL) | "parallel" (parallelUploads: 3, i.e.
//         partial uploads + final concatenation) | "override" (overridePatchMethod: every
//         PATCH goes as POST + X-HTTP-Method-Override, as behind a proxy that drops PATCH)
//         | "plain"
'use strict';
const fs = require('fs');
const path = require('path');
const tus = require(path.join(__dirname, '..', 'node_modules', 'tus-js-client'));

const [endpoint, file, token, mode, chunkArg] = process.argv.slice(2);
const data = fs.readFileSync(file);
const chunkSize = chunkArg ? Number(chunkArg) : 256 * 1024;
const common = {
  endpoint,
  chunkSize,
  headers: { Authorization: `Bearer ${token}` },
  metadata: { filename: path.basename(file), filetype: 'video/mp4', title: 'tus-js-client upload' },
  retryDelays: [0, 200, 500],
  removeFingerprintOnSuccess: true,
};

function run(opts) {
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(data, {
      ...common,
      ...opts,
      onSuccess: () => resolve(upload),
      onError: (err) => reject(err),
    });
    if (opts.onUpload) opts.onUpload(upload);
    upload.start();
  });
}

async function main() {
  const out = { mode, size: data.length };
  if (mode === 'abort-resume') {
    let first;
    const aborted = await new Promise((resolve, reject) => {
      const upload = new tus.Upload(data, {
        ...common,
        onChunkComplete: (_chunk, accepted, total) => {
          if (accepted >= total / 2 && !out.abortedAt) {
            out.abortedAt = accepted;
            upload.abort().then(() => resolve(upload), reject);
          }
        },
        onSuccess: () => reject(new Error('finished before the abort')),
        onError: reject,
      });
      first = upload;
      upload.start();
    });
    out.url = aborted.url || first.url;
    const resumed = await run({ uploadUrl: out.url });
    out.resumedUrl = resumed.url;
  } else if (mode === 'override') {
    const up = await run({ overridePatchMethod: true });
    out.url = up.url;
  } else if (mode === 'parallel') {
    const up = await run({ parallelUploads: 3 });
    out.url = up.url;
  } else {
    const up = await run({});
    out.url = up.url;
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((err) => {
  process.stdout.write(JSON.stringify({ error: String(err && err.message ? err.message : err) }) + '\n');
  process.exit(1);
});
