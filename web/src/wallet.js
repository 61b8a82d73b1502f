// The EIP-1193 wallet (window.ethereum) and the sign-in flow: nonce -> EIP-4361 message ->
// personal_sign -> POST /api/v1/auth/siwe, which answers with the HttpOnly session cookie.
import { api } from './api.js';
import { buildSiweMessage, messageHex, toChecksumAddress } from './siwe.js';

export function provider() {
  return typeof window !== 'undefined' && window.ethereum && typeof window.ethereum.request === 'function'
    ? window.ethereum
    : null;
}

export class WalletError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

function walletMessage(e) {
  // EIP-1193 codes: 4001 user rejected, 4100 unauthorised, -32002 request already pending.
  if (e && e.code === 4001) return new WalletError('rejected', 'You declined the request in your wallet.');
  if (e && e.code === -32002) return new WalletError('pending', 'Your wallet already has a request open: finish it there first.');
  return new WalletError('wallet_error', `Your wallet reported an error: ${e?.message || e}`);
}

export async function signIn() {
  const eth = provider();
  if (!eth) throw new WalletError('no_wallet', 'No Ethereum wallet was found in this browser.');
  let accounts;
  let chainHex;
  try {
    accounts = await eth.request({ method: 'eth_requestAccounts' });
    chainHex = await eth.request({ method: 'eth_chainId' });
  } catch (e) {
    throw walletMessage(e);
  }
  if (!Array.isArray(accounts) || accounts.length === 0) {
    throw new WalletError('no_account', 'Your wallet shared no account. Unlock it and try again.');
  }
  const address = toChecksumAddress(accounts[0]);
  const chainId = Number.parseInt(chainHex, 16);
  if (!Number.isSafeInteger(chainId) || chainId <= 0) throw new WalletError('bad_chain', `Your wallet reported an unusable chain id (${chainHex}).`);
  const { nonce } = await api.nonce();
  const issuedAt = new Date();
  const message = buildSiweMessage({
    domain: window.location.host,
    uri: window.location.origin,
    address,
    chainId,
    nonce,
    issuedAt,
    expirationTime: new Date(issuedAt.getTime() + 5 * 60 * 1000),
  });
  let signature;
  try {
    signature = await eth.request({ method: 'personal_sign', params: [messageHex(message), address] });
  } catch (e) {
    throw walletMessage(e);
  }
  return api.signIn(message, signature);
}

// Calls back when the wallet switches account or chain (the session stays that of the
// address that signed in; the page tells the user).
export function onWalletChange(callback) {
  const eth = provider();
  if (!eth || typeof eth.on !== 'function') return;
  eth.on('accountsChanged', (accounts) => callback({ accounts }));
  eth.on('chainChanged', (chainId) => callback({ chainId }));
}
