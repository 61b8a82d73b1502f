// An HTTPS front for a JSON-RPC endpoint, for testing the auth plugin's TLS client
// (certificate and host name verification): forwards each POST body to --target.
//   node tests/node/tls-proxy.js --port 8443 --cert c.pem --key k.pem --target http://127.0.0.1:8545
'use strict';
const fs = require('fs');
const https = require('https');
const http = require('http');

function arg(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const target = new URL(arg('target'));
const server = https.createServer({ cert: fs.readFileSync(arg('cert')), key: fs.readFileSync(arg('key')) }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const up = http.request({ host: target.hostname, port: target.port, path: '/', method: 'POST',
                              headers: { 'content-type': 'application/json', 'content-length': body.length } }, (r) => {
      res.writeHead(r.statusCode, { 'content-type': 'application/json' });
      r.pipe(res);
    });
    up.on('error', () => { res.writeHead(502); res.end(); });
    up.end(body);
  });
});
server.listen(Number(arg('port')), '127.0.0.1', () => console.log('READY'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
