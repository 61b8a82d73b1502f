// In-app navigation with history.pushState. Same-origin links to app pages are taken over;
// everything else (API URLs, media, new tabs, modified clicks) behaves as a normal link.
const routes = [];
let onRoute = null;

export function route(pattern, view) {
  const keys = [];
  const re = new RegExp(`^${pattern.replace(/\{(\w+)\}/g, (_, k) => {
    keys.push(k);
    return '([^/]+)';
  })}/?$`);
  routes.push({ re, keys, view });
}

export function match(pathname) {
  for (const r of routes) {
    const m = r.re.exec(pathname);
    if (m) {
      const params = {};
      r.keys.forEach((k, i) => {
        params[k] = decodeURIComponent(m[i + 1]);
      });
      return { view: r.view, params };
    }
  }
  return null;
}

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState({}, '', path);
  else history.pushState({}, '', path);
  onRoute?.();
}

function isAppPath(url) {
  return url.origin === location.origin && !url.pathname.startsWith('/api/') &&
    !url.pathname.startsWith('/stream/') && !url.pathname.startsWith('/files/') && match(url.pathname) !== null;
}

export function startRouter(render) {
  onRoute = render;
  window.addEventListener('popstate', render);
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = e.target.closest('a[href]');
    if (!a || a.target || a.hasAttribute('download')) return;
    const url = new URL(a.href, location.href);
    if (!isAppPath(url)) return;
    e.preventDefault();
    if (url.pathname + url.search !== location.pathname + location.search) navigate(url.pathname + url.search);
  });
  render();
}
