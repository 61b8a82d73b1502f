// Page-side recorders installed before the app runs (page.addInitScript): every value the
// upload progress bars and the library's cards' statuses (by content id) take, Content-Security-Policy
// violations, and the first `playing` of a video with its time since navigation start.
export async function installRecorders(page) {
  await page.addInitScript(() => {
    const rec = { progress: [], statuses: {}, csp: [], firstPlaying: null };
    window.__sgRec = rec;
    document.addEventListener('securitypolicyviolation', (e) => {
      rec.csp.push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile || '?'}:${e.lineNumber || 0}`);
    });
    document.addEventListener('playing', (e) => {
      if (rec.firstPlaying === null && e.target instanceof HTMLVideoElement) rec.firstPlaying = performance.now();
    }, true);
    const watch = () => {
      new MutationObserver((mutations) => {
        for (const m of mutations) {
          const el = m.target instanceof Element ? m.target : m.target.parentElement;
          if (!el) continue;
          const bar = el.closest('[data-testid="upload-progress"]');
          if (bar && m.attributeName === 'data-value') rec.progress.push(Number(bar.dataset.value));
          const card = el.closest('li.card[data-content-id]');
          if (card && m.attributeName === 'data-status') {
            const list = (rec.statuses[card.dataset.contentId] ||= []);
            if (list[list.length - 1] !== card.dataset.status) list.push(card.dataset.status);
          }
        }
      }).observe(document.documentElement, { subtree: true, attributes: true, attributeFilter: ['data-value', 'data-status'] });
    };
    if (document.documentElement) watch();
    else document.addEventListener('DOMContentLoaded', watch);
  });
}

export const recorded = (page) => page.evaluate(() => window.__sgRec);
