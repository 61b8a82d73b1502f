// The user of tests/e2e (E2EUserJourney): a wallet owner driving a running streamgate with the
// real client libraries pinned in tests/node/package.json (siwe, ethers v6, tus-js-client).
// Each step is one invocation that prints ONE JSON line with what the user saw; the C++ test
// decides what is right.
//
//   node journey.js signin  <base> <private key> <chain id>   SIWE sign-in, then /auth/me
//   node journey.js upload  <base> <token> <file> <title> <visibility> <parts>
//                                                     tus upload in <parts> PATCHes; before
//                                                     the second PATCH the user looks at the
//                                                     content (GET /api/v1/content/{id})
//   node journey.js intrude <base> <token> <upload url> <file>
//                                                     HEAD/PATCH someone else's upload (raw
//                                                     requests, then tus-js-client resuming it)
//   node journey.js replay  <base> <message> <signature>   POST the same SIWE login again
//   node journey.js logout  <base> <token>                 logout, then /auth/me
'use strict';
const fs = require('fs');
const path = require('path');
const { Wallet } = require('ethers');
const { SiweMessage } = require('siwe');
const tus = require('tus-js-client');

function bearer(token) {
  return { Authorization: `Bearer ${token}` };
}

async function call(method, url, { headers = {}, body } = {}) {
  const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(15000) });
  const text = method === 'HEAD' ? '' : await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: res.status, body: json, text: json ? undefined : text };
}

async function signin(base, key, chainId) {
  const wallet = new Wallet(key);
  const url = new URL(base);
  const nonce = await call('GET', `${base}/api/v1/auth/nonce`);
  if (nonce.status !== 200) return { step: 'nonce', nonce };
  const siwe = new SiweMessage({
    scheme: url.protocol.replace(':', ''),
    domain: url.host,
    address: wallet.address,
    statement: 'Sign in to StreamGate.',
    uri: `${base}/`,
    version: '1',
    chainId: Number(chainId),
    nonce: nonce.body.nonce,
    issuedAt: new Date().toISOString(),
    expirationTime: new Date(Date.now() + 5 * 60 * 1000).toISOString(),
  });
  const message = siwe.prepareMessage();
  const signature = await wallet.signMessage(message);
  const login = await call('POST', `${base}/api/v1/auth/siwe`, {
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ message, signature }),
  });
  const out = { address: wallet.address, nonce: nonce.body, message, signature, login };
  if (login.status === 200 && login.body && login.body.token)
    out.me = await call('GET', `${base}/api/v1/auth/me`, { headers: bearer(login.body.token) });
  return out;
}

async function upload(base, token, file, title, visibility, parts) {
  const data = fs.readFileSync(file);
  const chunkSize = Math.ceil(data.length / Math.max(1, Number(parts)));
  const requests = [];
  const out = { size: data.length, chunkSize, requests };
  await new Promise((resolve, reject) => {
    const up = new tus.Upload(data, {
      endpoint: `${base}/files/`,
      chunkSize,
      headers: bearer(token),
      metadata: { filename: path.basename(file), filetype: 'video/mp4', title, visibility },
      retryDelays: [], // a refused or failed request must show, not be retried away
      storeFingerprintForResuming: false,
      // tus-js-client awaits this hook, so the look happens between two PATCHes.
      onBeforeRequest: async (req) => {
        const patched = requests.filter((r) => r.method === 'PATCH').length;
        if (req.getMethod() === 'PATCH' && patched === 1 && !out.midway) {
          const id = new URL(up.url).pathname.split('/').pop();
          out.midway = await call('GET', `${base}/api/v1/content/${id}`, { headers: bearer(token) });
        }
      },
      onAfterResponse: (req, res) => {
        requests.push({
          method: req.getMethod(),
          status: res.getStatus(),
          offset: res.getHeader('Upload-Offset') || null,
          content_id: res.getHeader('StreamGate-Content-Id') || null,
          state: res.getHeader('StreamGate-Upload-State') || null,
        });
      },
      onProgress: (sent, total) => {
        out.progress = { sent, total };
      },
      onSuccess: () => {
        out.url = up.url;
        resolve();
      },
      onError: (err) => {
        out.url = up.url;
        reject(err);
      },
    });
    up.start();
  }).then(
    () => {
      out.success = true;
    },
    (err) => {
      out.success = false;
      out.error = String(err && err.message ? err.message : err);
    },
  );
  return out;
}

async function intrude(base, token, uploadUrl, file) {
  const abs = new URL(uploadUrl, base).toString();
  const tusHeaders = { ...bearer(token), 'Tus-Resumable': '1.0.0' };
  const head = await call('HEAD', abs, { headers: tusHeaders });
  const patch = await call('PATCH', abs, {
    headers: {
      ...tusHeaders,
      'Upload-Offset': '0',
      'Content-Type': 'application/offset+octet-stream',
    },
    body: Buffer.from('not your upload'),
  });
  // What a real client does with a stolen upload URL: resume it (HEAD, then PATCH from the
  // offset). No endpoint, so it cannot fall back to creating a new upload of its own.
  const data = fs.readFileSync(file);
  const client = await new Promise((resolve) => {
    const seen = [];
    const up = new tus.Upload(data, {
      uploadUrl: abs,
      headers: bearer(token),
      retryDelays: [],
      storeFingerprintForResuming: false,
      onAfterResponse: (req, res) => seen.push({ method: req.getMethod(), status: res.getStatus() }),
      onSuccess: () => resolve({ success: true, requests: seen }),
      onError: (err) => resolve({ success: false, requests: seen, error: String(err.message || err) }),
    });
    up.start();
  });
  return { head, patch, client };
}

async function replay(base, message, signature) {
  return {
    login: await call('POST', `${base}/api/v1/auth/siwe`, {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ message, signature }),
    }),
  };
}

async function logout(base, token) {
  const out = {};
  out.logout = await call('POST', `${base}/api/v1/auth/logout`, { headers: bearer(token) });
  out.me = await call('GET', `${base}/api/v1/auth/me`, { headers: bearer(token) });
  return out;
}

async function main() {
  const [step, ...args] = process.argv.slice(2);
  const steps = { signin, upload, intrude, replay, logout };
  if (!steps[step]) throw new Error(`unknown step '${step}'`);
  return { step, ...(await steps[step](...args)) };
}

main().then(
  (out) => {
    process.stdout.write(JSON.stringify(out) + '\n');
    process.exit(0);
  },
  (err) => {
    process.stdout.write(JSON.stringify({ error: String(err && err.stack ? err.stack : err) }) + '\n');
    process.exit(1);
  },
);
