// One polite status line under the header for results and errors ("Saved.", "Deleted.").
let timer = null;

export function notify(text, kind = 'info') {
  const el = document.getElementById('notice');
  if (!el) return;
  el.textContent = text;
  el.dataset.kind = kind;
  el.hidden = false;
  clearTimeout(timer);
  timer = setTimeout(() => {
    el.hidden = true;
  }, kind === 'error' ? 12000 : 5000);
}
