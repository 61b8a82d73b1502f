// Who is signed in (GET /api/v1/auth/me through the session cookie), shared by every view.
// Listeners run after each change.
import { api, ApiError } from './api.js';
import { signIn as walletSignIn } from './wallet.js';

const listeners = new Set();
export const session = { user: null, checked: false, chains: null };

function changed() {
  for (const fn of listeners) fn(session);
}

export function onSessionChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export async function refreshSession() {
  try {
    session.user = await api.me();
  } catch (e) {
    if (!(e instanceof ApiError) || (e.status !== 401 && e.status !== 403)) console.warn('session check failed', e);
    session.user = null;
  }
  session.checked = true;
  changed();
  return session.user;
}

export async function signIn() {
  const answer = await walletSignIn();
  session.user = { address: answer.address, chain_id: answer.chain_id, is_admin: answer.is_admin };
  session.checked = true;
  changed();
  return session.user;
}

export async function signOut() {
  try {
    await api.signOut();
  } finally {
    session.user = null;
    changed();
  }
}

// The chains the server knows (auth's configured list), fetched once; [] when unavailable.
export async function knownChains() {
  if (session.chains) return session.chains;
  try {
    const answer = await api.chains();
    session.chains = Array.isArray(answer?.chains) ? answer.chains : [];
  } catch {
    session.chains = [];
  }
  return session.chains;
}
