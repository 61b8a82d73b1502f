// The start page: signed out, what StreamGate is and how to sign in (or why one cannot: no
// wallet); signed in, the upload panel and the library. Recent public videos below either.
import { api } from './api.js';
import { signInButton } from './account.js';
import { h } from './dom.js';
import { clock } from './format.js';
import { libraryPanel, durationOf, posterUrl } from './library.js';
import { session } from './session.js';
import { uploadPanel } from './upload.js';
import { provider } from './wallet.js';

function signedOutPanel() {
  const hasWallet = Boolean(provider());
  return h('section', { class: 'panel intro', 'aria-labelledby': 'intro-heading' },
    h('h1', { id: 'intro-heading' }, 'Your videos, your rules'),
    h('p', {}, 'Upload videos, share them with everyone, with signed-in viewers, or only with holders of an NFT. Sign in with your Ethereum wallet: no password, no e-mail.'),
    hasWallet
      ? signInButton('Sign in with your wallet')
      : h('div', { class: 'no-wallet', role: 'alert', 'data-testid': 'no-wallet' },
        h('h2', {}, 'No wallet found'),
        h('p', {}, 'Signing in needs an Ethereum wallet in this browser (for example the MetaMask, Rabby or Coinbase Wallet extension, or a wallet app’s built-in browser). Install one, then reload this page.'),
        h('p', {}, 'You can still watch public videos without signing in.')));
}

function publicList() {
  const list = h('ul', { class: 'cards compact', 'aria-label': 'Recent public videos' });
  const section = h('section', { class: 'panel', 'aria-labelledby': 'recent-heading' },
    h('h2', { id: 'recent-heading' }, 'Recent videos'), list);
  api.listContent({ visibility: 'public', status: 'ready', limit: 12 }).then((answer) => {
    const items = answer?.items || [];
    if (items.length === 0) list.replaceWith(h('p', { class: 'muted' }, 'Nothing public yet.'));
    for (const item of items) {
      const poster = posterUrl(item);
      const d = durationOf(item);
      list.append(h('li', { class: 'card' },
        h('div', { class: 'poster' }, poster ? h('img', { src: poster, alt: '', loading: 'lazy', width: 320, height: 180 }) : null),
        h('div', { class: 'card-body' },
          h('h3', {}, h('a', { href: `/watch/${encodeURIComponent(item.id)}`, class: 'card-title' }, item.title)),
          Number.isFinite(d) ? h('p', { class: 'meta' }, clock(d)) : null)));
    }
  }).catch(() => {
    list.replaceWith(h('p', { class: 'muted' }, 'The catalogue is unavailable right now.'));
  });
  return section;
}

export function homeView(main) {
  document.title = 'StreamGate';
  const user = session.user;
  if (!user) {
    main.append(signedOutPanel(), publicList());
    return null;
  }
  const library = libraryPanel({ address: user.address });
  main.append(
    h('h1', { class: 'sr-only' }, 'Your StreamGate'),
    uploadPanel({ address: user.address, onUploaded: () => library.refresh() }),
    library.el);
  return { dispose: library.dispose };
}
