// Sign-In with Ethereum (EIP-4361) messages exactly as the auth plugin parses them
// (src/common/web3/siwe.cpp): LF line ends, an EIP-55 address, the optional statement
// between blank lines, then URI / Version / Chain ID / Nonce / Issued At / Expiration Time.
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

// EIP-55 mixed-case checksum; throws on anything that is not 20 bytes of hex.
export function toChecksumAddress(address) {
  if (typeof address !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(address)) {
    throw new Error(`not an Ethereum address: ${address}`);
  }
  const lower = address.slice(2).toLowerCase();
  const hash = bytesToHex(keccak_256(utf8ToBytes(lower)));
  let out = '0x';
  for (let i = 0; i < 40; i += 1) out += parseInt(hash[i], 16) >= 8 ? lower[i].toUpperCase() : lower[i];
  return out;
}

export const STATEMENT = 'Sign in to StreamGate to upload, manage and watch videos.';

// domain = location.host, uri = location.origin; times are Date objects.
export function buildSiweMessage({ domain, address, uri, chainId, nonce, issuedAt, expirationTime, statement = STATEMENT }) {
  const lines = [
    `${domain} wants you to sign in with your Ethereum account:`,
    toChecksumAddress(address),
    '',
    statement,
    '',
    `URI: ${uri}`,
    'Version: 1',
    `Chain ID: ${chainId}`,
    `Nonce: ${nonce}`,
    `Issued At: ${issuedAt.toISOString()}`,
  ];
  if (expirationTime) lines.push(`Expiration Time: ${expirationTime.toISOString()}`);
  return lines.join('\n');
}

// personal_sign takes the message as 0x-hex of its UTF-8 bytes (what wallets expect).
export function messageHex(message) {
  return `0x${bytesToHex(utf8ToBytes(message))}`;
}
