// The header's account area: "Sign in with wallet", or the signed-in address (shortened, in
// full in its title), its chain and "Sign out".
import { api } from './api.js';
import { h, clear } from './dom.js';
import { chainLabel, shortAddress } from './format.js';
import { notify } from './notice.js';
import { knownChains, session, signIn, signOut } from './session.js';
import { provider } from './wallet.js';

export function signInButton(label = 'Sign in with wallet') {
  const button = h('button', { type: 'button', class: 'primary', 'data-action': 'sign-in' }, label);
  button.addEventListener('click', async () => {
    if (!provider()) {
      notify('No Ethereum wallet was found in this browser. Install a wallet extension (for example MetaMask) and reload the page.', 'error');
      return;
    }
    button.disabled = true;
    button.textContent = 'Check your wallet…';
    try {
      await signIn();
      notify('Signed in.');
    } catch (e) {
      notify(`Sign-in failed: ${e.message}`, 'error');
    } finally {
      button.disabled = false;
      button.textContent = label;
    }
  });
  return button;
}

export async function renderAccount(el) {
  clear(el);
  if (!session.checked) return;
  const user = session.user;
  if (!user) {
    // Without a wallet the start page explains what to install; a button that can only fail
    // would be noise.
    if (provider()) el.append(signInButton());
    return;
  }
  const chains = await knownChains();
  if (session.user !== user) return; // changed meanwhile
  clear(el);
  const out = h('button', { type: 'button', class: 'secondary', 'data-action': 'sign-out' }, 'Sign out');
  out.addEventListener('click', async () => {
    out.disabled = true;
    try {
      await signOut();
      notify('Signed out.');
    } catch (e) {
      notify(`Sign-out failed: ${e.message}`, 'error');
      out.disabled = false;
    }
  });
  el.append(
    h('span', { class: 'who' },
      h('span', { class: 'sr-only' }, 'Signed in as '),
      h('span', { class: 'address', title: user.address, 'data-address': user.address }, shortAddress(user.address)),
      h('span', { class: 'chain', title: `Chain ID ${user.chain_id}` }, chainLabel(user.chain_id, chains))),
    out,
  );
  // The ENS name, when the server has a chain for ENS and the name resolves back to this
  // address (the server checks both ways); the address stays in the title.
  api.ens(user.address).then((r) => {
    if (session.user !== user || typeof r?.name !== 'string' || !r.name) return;
    const shown = el.querySelector('[data-address]');
    if (!shown) return;
    shown.textContent = r.name;
    shown.setAttribute('data-ens', r.name);
  }).catch(() => {});
}
