// The REST calls the app makes, same origin, with the session cookie. Errors come back as
// ApiError carrying the server's {"error":{"code","message",...}} so views can say what went
// wrong and react to codes (gate_denied, sign_in_required, not_ready, ...).

export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = error?.code || (status === 0 ? 'network_error' : `http_${status}`);
    this.details = error || {};
  }
}

export async function request(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, { code: 'network_error', message: `The server could not be reached (${e.message}).` });
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) throw new ApiError(res.status, json?.error || { message: text.slice(0, 200) || res.statusText });
  return json;
}

const enc = encodeURIComponent;

export const api = {
  nonce: () => request('GET', '/api/v1/auth/nonce'),
  signIn: (message, signature) => request('POST', '/api/v1/auth/siwe', { message, signature }),
  me: () => request('GET', '/api/v1/auth/me'),
  signOut: () => request('POST', '/api/v1/auth/logout'),
  chains: () => request('GET', '/api/v1/web3/chains'),
  ens: (address) => request('GET', `/api/v1/web3/ens/${enc(address)}`),
  listContent: (params) => request('GET', `/api/v1/content?${new URLSearchParams(params)}`),
  content: (id) => request('GET', `/api/v1/content/${enc(id)}`),
  updateContent: (id, patch) => request('PATCH', `/api/v1/content/${enc(id)}`, patch),
  deleteContent: (id) => request('DELETE', `/api/v1/content/${enc(id)}`),
  playback: (id) => request('GET', `/api/v1/content/${enc(id)}/playback`),
  stats: (id) => request('GET', `/api/v1/content/${enc(id)}/stats`),
};
