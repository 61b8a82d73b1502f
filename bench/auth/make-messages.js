// Writes bench/auth/siwe-messages.json: 64 SIWE messages signed by 8 fixed keys with ethers
// v6 + siwe, so the C++ and Node benchmarks verify exactly the same inputs.
//   node bench/auth/make-messages.js
'use strict';
const path = require('path');
const fs = require('fs');
const nodeDir = path.join(__dirname, '..', '..', 'tests', 'node');
const { Wallet, keccak256, toUtf8Bytes } = require(path.join(nodeDir, 'node_modules', 'ethers'));
const { SiweMessage } = require(path.join(nodeDir, 'node_modules', 'siwe'));

async function main() {
  const out = [];
  for (let i = 0; i < 64; ++i) {
    const wallet = new Wallet(keccak256(toUtf8Bytes(`streamgate-bench-key-${i % 8}`)));
    const message = new SiweMessage({
      domain: 'streamgate.test', address: wallet.address, statement: 'Sign in to StreamGate.',
      uri: 'https://streamgate.test/', version: '1', chainId: 1, nonce: `benchNonce${1000 + i}`,
      issuedAt: '2026-01-01T00:00:00.000Z', expirationTime: '2030-01-01T00:00:00.000Z',
    }).prepareMessage();
    out.push({ message, signature: await wallet.signMessage(message), address: wallet.address });
  }
  fs.writeFileSync(path.join(__dirname, 'siwe-messages.json'), JSON.stringify(out, null, 1) + '\n');
}
main().catch((e) => { console.error(e); process.exit(1); });
