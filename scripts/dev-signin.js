#!/usr/bin/env node
// Development helper: signs in to a running StreamGate with Sign-In with Ethereum from the
// command line and prints the session token, so curl can upload and read without a browser
// wallet. Uses the client libraries pinned in tests/node (run scripts/install-node-deps.sh).
//
//   node scripts/dev-signin.js [base URL] [private key]
//   TOKEN=$(node scripts/dev-signin.js http://127.0.0.1:8080)
//
// Without a key it makes a throwaway wallet each time (its address goes to stderr). The key
// never leaves this process; only the signature is sent.
'use strict';
const path = require('path');
const { createRequire } = require('module');

const nodeDir = path.join(__dirname, '..', 'tests', 'node');
const need = createRequire(path.join(nodeDir, 'package.json'));
let ethers, siwe;
try {
  ethers = need('ethers');
  siwe = need('siwe');
} catch (e) {
  process.stderr.write('missing node modules: run scripts/install-node-deps.sh first\n');
  process.exit(2);
}

async function call(method, url, body) {
  const res = await fetch(url, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(15000),
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return json;
}

async function main() {
  const base = (process.argv[2] || 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const wallet = process.argv[3] ? new ethers.Wallet(process.argv[3]) : ethers.Wallet.createRandom();
  const url = new URL(base);
  const { nonce } = await call('GET', `${base}/api/v1/auth/nonce`);
  const message = new siwe.SiweMessage({
    scheme: url.protocol.replace(':', ''),
    domain: url.host,
    address: wallet.address,
    statement: 'Sign in to StreamGate.',
    uri: `${base}/`,
    version: '1',
    chainId: 1,
    nonce,
    issuedAt: new Date().toISOString(),
  }).prepareMessage();
  const signature = await wallet.signMessage(message);
  const session = await call('POST', `${base}/api/v1/auth/siwe`, { message, signature });
  process.stderr.write(`signed in as ${session.address}\n`);
  process.stdout.write(`${session.token}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
