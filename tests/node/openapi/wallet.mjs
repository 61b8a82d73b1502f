#!/usr/bin/env node
// The wallet side of the OpenAPI conformance test (tests/e2e/openapi_test.cpp): what needs a
// private key, done with the pinned real clients (ethers, siwe). Prints one JSON object.
//   node wallet.mjs siwe <base URL> <private key>
//     Signs in (EIP-4361) and replays the same signed message once, which must be refused
//     (its nonce is single use). -> {token, address, exchanges: [{method, route, target,
//     status, content_type, body}, ...]} with both POST /api/v1/auth/siwe answers as recorded.
//   node wallet.mjs typed <private key>
//     -> {typed_data, signature, address}: an EIP-712 Mail message signed by that key.
import { Wallet } from 'ethers';
import siwe from 'siwe';

async function exchange(method, base, route, target, body) {
  const res = await fetch(`${base}${target}`, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(15000),
  });
  return {
    method,
    route,
    target,
    status: res.status,
    content_type: res.headers.get('content-type') || '',
    body: await res.text(),
  };
}

async function signIn(base, key) {
  const wallet = new Wallet(key);
  const url = new URL(base);
  const nonce = await exchange('GET', base, '/api/v1/auth/nonce', '/api/v1/auth/nonce');
  if (nonce.status !== 200) throw new Error(`nonce: ${nonce.status} ${nonce.body}`);
  const message = new siwe.SiweMessage({
    scheme: url.protocol.replace(':', ''),
    domain: url.host,
    address: wallet.address,
    statement: 'Sign in to StreamGate.',
    uri: `${base}/`,
    version: '1',
    chainId: 1,
    nonce: JSON.parse(nonce.body).nonce,
    issuedAt: new Date().toISOString(),
  }).prepareMessage();
  const signature = await wallet.signMessage(message);
  const route = '/api/v1/auth/siwe';
  const first = await exchange('POST', base, route, route, { message, signature });
  if (first.status !== 200) throw new Error(`siwe: ${first.status} ${first.body}`);
  const replay = await exchange('POST', base, route, route, { message, signature });
  return {
    token: JSON.parse(first.body).token,
    address: wallet.address,
    exchanges: [nonce, first, replay],
  };
}

async function typedData(key) {
  const wallet = new Wallet(key);
  const domain = { name: 'StreamGate', version: '1', chainId: 1 };
  const types = {
    Person: [
      { name: 'name', type: 'string' },
      { name: 'wallet', type: 'address' },
    ],
    Mail: [
      { name: 'from', type: 'Person' },
      { name: 'contents', type: 'string' },
    ],
  };
  const message = { from: { name: 'Alice', wallet: wallet.address }, contents: 'Hello' };
  const signature = await wallet.signTypedData(domain, types, message);
  return {
    typed_data: {
      types: {
        EIP712Domain: [
          { name: 'name', type: 'string' },
          { name: 'version', type: 'string' },
          { name: 'chainId', type: 'uint256' },
        ],
        ...types,
      },
      primaryType: 'Mail',
      domain,
      message,
    },
    signature,
    address: wallet.address,
  };
}

const [command, ...args] = process.argv.slice(2);
const work =
  command === 'siwe'
    ? signIn(args[0].replace(/\/+$/, ''), args[1])
    : command === 'typed'
      ? typedData(args[0])
      : Promise.reject(new Error('usage: wallet.mjs siwe <base> <key> | typed <key>'));
work.then(
  (out) => process.stdout.write(`${JSON.stringify(out)}\n`),
  (e) => {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  },
);
