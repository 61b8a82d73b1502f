// Regenerates tests/plugins/auth/fixtures/{siwe,eip712}.json with the real client libraries
// (ethers v6, siwe). Deterministic: fixed private keys and timestamps, so re-running it
// reproduces the committed files byte for byte (ECDSA signatures are RFC 6979).
//   node tests/node/make-auth-fixtures.js
'use strict';
const fs = require('fs');
const path = require('path');
const { Wallet, TypedDataEncoder, keccak256, toUtf8Bytes, hashMessage } = require('ethers');
const { SiweMessage } = require('siwe');

const outDir = path.join(__dirname, '..', 'plugins', 'auth', 'fixtures');
const keys = [
  '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318',
  '0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  '0x8da4ef21b864d2cc526dbdb2a120bd2874c36c9d0a1fb7f8c63d7f7a8b41de8f',
];

async function main() {
  const siwe = [];
  const variants = [
    { domain: 'localhost:8080', scheme: 'http', statement: 'Sign in to StreamGate.', uri: 'http://localhost:8080/login', chainId: 1 },
    { domain: 'video.example.com', statement: undefined, uri: 'https://video.example.com', chainId: 137,
      expirationTime: '2030-01-01T00:00:00.000Z', notBefore: '2025-06-01T12:00:00Z', requestId: 'req-42',
      resources: ['ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/', 'https://example.com/my-web2-claim.json'] },
    { domain: 'user:pass@[::1]:8443', scheme: 'https', statement: "Symbols: !$&'()*+,;=:/?#[]@-._~ ok", uri: 'https://[::1]:8443/a?b=c#d', chainId: 31337,
      expirationTime: '2031-02-03T04:05:06+02:00' },
  ];
  for (let i = 0; i < keys.length; ++i) {
    const wallet = new Wallet(keys[i]);
    for (let j = 0; j < variants.length; ++j) {
      const v = variants[j];
      const msg = new SiweMessage({
        ...v,
        address: wallet.address,
        version: '1',
        nonce: `Nonce${i}${j}abcdEFGH1234`,
        issuedAt: '2026-01-01T00:00:00.000Z',
      });
      const message = msg.prepareMessage();
      const signature = await wallet.signMessage(message);
      siwe.push({ message, signature, address: wallet.address, chain_id: v.chainId,
                  domain: v.domain, scheme: v.scheme || '', nonce: msg.nonce,
                  digest: hashMessage(message) });
    }
  }

  const typed = [];
  const domain = { name: 'StreamGate', version: '1', chainId: 1, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' };
  const types = {
    Person: [{ name: 'name', type: 'string' }, { name: 'wallets', type: 'address[]' }],
    Mail: [{ name: 'from', type: 'Person' }, { name: 'to', type: 'Person[]' }, { name: 'contents', type: 'string' },
           { name: 'amount', type: 'uint256' }, { name: 'delta', type: 'int64' }, { name: 'flag', type: 'bool' },
           { name: 'tag', type: 'bytes4' }, { name: 'blob', type: 'bytes' }, { name: 'grid', type: 'uint8[2][]' }],
  };
  const message = {
    from: { name: 'Cow', wallets: ['0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826', '0xDeaDbeefdEAdbeefdEadbEEFdeadbeEFdEaDbeeF'] },
    to: [{ name: 'Bob', wallets: ['0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB'] }, { name: 'Eve', wallets: [] }],
    contents: 'Hello, Bob!', amount: '115792089237316195423570985008687907853269984665640564039457584007913129639935',
    delta: '-9223372036854775808', flag: true, tag: '0x01020304', blob: '0xdeadbeef', grid: [[1, 2], [255, 0]],
  };
  for (const key of keys) {
    const wallet = new Wallet(key);
    const signature = await wallet.signTypedData(domain, types, message);
    const payload = { types: { EIP712Domain: [
        { name: 'name', type: 'string' }, { name: 'version', type: 'string' },
        { name: 'chainId', type: 'uint256' }, { name: 'verifyingContract', type: 'address' }], ...types },
      primaryType: 'Mail', domain, message };
    typed.push({ typed_data: payload, signature, address: wallet.address,
                 digest: TypedDataEncoder.hash(domain, types, message),
                 encode_type: TypedDataEncoder.from(types).encodeType('Mail') });
  }
  const keccak = ['', 'hello', 'a'.repeat(135), 'b'.repeat(136), 'c'.repeat(137), 'x'.repeat(1000)].map(
      (s) => ({ input: s, hash: keccak256(toUtf8Bytes(s)) }));
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'siwe.json'), JSON.stringify(siwe, null, 1) + '\n');
  fs.writeFileSync(path.join(outDir, 'eip712.json'), JSON.stringify(typed, null, 1) + '\n');
  fs.writeFileSync(path.join(outDir, 'keccak.json'), JSON.stringify(keccak, null, 1) + '\n');
}
main().catch((e) => { console.error(e); process.exit(1); });
