#!/usr/bin/env node
// A small static file server for player tests: serves a folder (a transcode's output) on
// 127.0.0.1 with CORS open to every origin and the MIME types players expect.
//
//   node static.mjs --root DIR [--port N]
//
// Prints one JSON line on stdout once listening: {"port": N, "url": "http://127.0.0.1:N/"};
// then one line per request on stderr ("GET /720p/seg-00001.m4s?token=x 200"). A query string
// is ignored when looking up the file (so signed/tokenised URLs work). GET, HEAD and OPTIONS;
// single byte ranges. Runs until killed.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const MIME = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.mpd': 'application/dash+xml',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.m4a': 'audio/mp4',
  '.m4v': 'video/mp4',
  '.ts': 'video/mp2t',
  '.aac': 'audio/aac',
  '.vtt': 'text/vtt; charset=utf-8',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.json': 'application/json',
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

let root = null;
let port = 0;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--root' && i + 1 < args.length) root = args[++i];
  else if (args[i] === '--port' && i + 1 < args.length) port = Number(args[++i]);
  else {
    process.stderr.write(`usage: node static.mjs --root DIR [--port N] (bad argument ${args[i]})\n`);
    process.exit(2);
  }
}
if (!root || !fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
  process.stderr.write(`static.mjs: --root must be an existing folder (got ${root})\n`);
  process.exit(2);
}
root = fs.realpathSync(root);

const cors = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, OPTIONS',
  'access-control-allow-headers': 'Range, Content-Type',
  'access-control-expose-headers': 'Content-Length, Content-Range, Accept-Ranges',
};

function reply(req, res, status, headers, body) {
  res.writeHead(status, { ...cors, ...headers });
  res.end(req.method === 'HEAD' ? undefined : body);
  process.stderr.write(`${req.method} ${req.url} ${status}\n`);
}

const server = http.createServer((req, res) => {
  if (req.method === 'OPTIONS') return reply(req, res, 204, { 'access-control-max-age': '600' });
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return reply(req, res, 405, { allow: 'GET, HEAD, OPTIONS' });
  }
  let rel;
  try {
    rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  } catch {
    return reply(req, res, 400, {}, 'bad path');
  }
  const file = path.resolve(root, '.' + rel);
  if (file !== root && !file.startsWith(root + path.sep)) return reply(req, res, 403, {}, 'outside');
  let st;
  try {
    st = fs.statSync(file);
  } catch {
    return reply(req, res, 404, { 'content-type': 'text/plain' }, 'not found');
  }
  if (!st.isFile()) return reply(req, res, 404, { 'content-type': 'text/plain' }, 'not a file');
  const type = MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  const headers = { 'content-type': type, 'accept-ranges': 'bytes', 'cache-control': 'no-cache' };
  let start = 0;
  let end = st.size - 1;
  let status = 200;
  const range = req.headers.range && /^bytes=(\d*)-(\d*)$/.exec(req.headers.range);
  if (range && (range[1] !== '' || range[2] !== '')) {
    if (range[1] === '') {
      start = Math.max(0, st.size - Number(range[2]));
    } else {
      start = Number(range[1]);
      if (range[2] !== '') end = Math.min(end, Number(range[2]));
    }
    if (start > end || start >= st.size) {
      return reply(req, res, 416, { 'content-range': `bytes */${st.size}` });
    }
    status = 206;
    headers['content-range'] = `bytes ${start}-${end}/${st.size}`;
  }
  headers['content-length'] = String(end - start + 1);
  if (req.method === 'HEAD' || st.size === 0) return reply(req, res, status, headers);
  res.writeHead(status, { ...cors, ...headers });
  fs.createReadStream(file, { start, end }).pipe(res);
  process.stderr.write(`${req.method} ${req.url} ${status}\n`);
});

server.listen(port, '127.0.0.1', () => {
  const p = server.address().port;
  process.stdout.write(JSON.stringify({ port: p, url: `http://127.0.0.1:${p}/` }) + '\n');
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
