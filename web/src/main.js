// Entry point: the header's account area, the router and the views.
import { renderAccount } from './account.js';
import { clear, h } from './dom.js';
import { homeView } from './home.js';
import { match, route, startRouter } from './router.js';
import { onSessionChange, refreshSession, session } from './session.js';
import { onWalletChange } from './wallet.js';
import { notify } from './notice.js';

// A watch page loads its code while the session is checked, not after (time to first frame).
if (location.pathname.startsWith('/watch/')) import('./watch.js').then((m) => m.preload?.());

route('/', homeView);
route('/watch/{id}', (main, params) => import('./watch.js').then((m) => m.watchView(main, params)));

let current = null; // {dispose} of the view on screen

async function render() {
  const main = document.getElementById('main');
  current?.dispose?.();
  current = null;
  clear(main);
  const found = match(location.pathname);
  if (!found) {
    document.title = 'Not found · StreamGate';
    main.append(h('section', { class: 'panel' }, h('h1', {}, 'Page not found'),
      h('p', {}, 'There is nothing at this address. '), h('a', { href: '/' }, 'Go to the start page')));
    return;
  }
  const token = {};
  current = token;
  const view = await found.view(main, found.params);
  if (current === token) current = view || null;
  else view?.dispose?.();
  // Focus moves to the new page's content for keyboard and screen-reader users, except on
  // the first load (where it would skip the header).
  if (rendered) main.focus({ preventScroll: true });
  rendered = true;
}
let rendered = false;

const account = document.getElementById('account');
onSessionChange(() => {
  renderAccount(account);
});
// A session change re-renders the page (signed-in views differ), keeping the address.
let lastUser = undefined;
onSessionChange(() => {
  const user = session.user?.address ?? null;
  if (lastUser !== undefined && user !== lastUser) render();
  lastUser = user;
});
onWalletChange(({ accounts }) => {
  if (accounts && session.user && accounts[0] && accounts[0].toLowerCase() !== session.user.address.toLowerCase()) {
    notify('Your wallet switched to another account. You are still signed in as the previous one: sign out and in again to switch.', 'info');
  }
});

// The start page differs for signed-in users, so it waits for the session check; a watch page
// does not (the playback answer decides, with the same cookie), which saves a round trip.
if (location.pathname.startsWith('/watch/')) {
  refreshSession();
  startRouter(render);
} else {
  refreshSession().then(() => startRouter(render));
}
