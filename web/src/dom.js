// A tiny element builder: h('button', {class: 'x', onclick: fn}, 'Text'). Text children are
// text nodes (never parsed as HTML), so values from the server cannot inject markup. No
// `style` attributes anywhere: the Content-Security-Policy forbids inline styles.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'class') {
      el.className = value;
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (key in el && typeof value !== 'string') {
      el[key] = value; // properties such as checked, value, disabled
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

let idCounter = 0;
// Unique ids for label/aria wiring.
export function uid(prefix) {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

// A labelled form field: label above the control, optional hint tied by aria-describedby.
export function field(labelText, control, hint) {
  const id = control.id || uid('f');
  control.id = id;
  const parts = [h('label', { for: id }, labelText), control];
  if (hint) {
    const hintId = `${id}-hint`;
    control.setAttribute('aria-describedby', hintId);
    parts.push(h('p', { class: 'hint', id: hintId }, hint));
  }
  return h('div', { class: 'field' }, parts);
}
