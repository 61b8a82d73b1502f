#!/usr/bin/env node
// A webhook receiver on loopback for the OpenAPI test: node receiver.mjs <port> <out-file>.
// Answers every POST 200 and appends one JSON line per request to <out-file>:
// {"method", "url", "headers", "body"}, so the test can check what worker.so sent (the body
// against the document's Event schema). Prints "listening" once it accepts connections.
import fs from 'node:fs';
import http from 'node:http';

const [port, out] = process.argv.slice(2);
if (!port || !out) {
  process.stderr.write('usage: receiver.mjs <port> <out-file>\n');
  process.exit(2);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    fs.appendFileSync(out, `${JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body })}\n`);
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('ok');
  });
});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
// The test ends it with SIGTERM; close cleanly so the last line is on disk.
process.on('SIGTERM', () => server.close(() => process.exit(0)));
