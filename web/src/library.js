// "My videos": the signed-in owner's content with poster, duration, status (transcoding
// progress live from events, or polled), views from the stats API ("—" when it has none),
// and edit / delete.
import { api, ApiError } from './api.js';
import { clear, h } from './dom.js';
import { clock, count } from './format.js';
import { notify } from './notice.js';
import { openEditDialog, confirmDelete } from './edit.js';
import { subscribe } from './events.js';

const STATUS_LABEL = { uploading: 'Uploading', processing: 'Processing', ready: 'Ready', failed: 'Failed' };
const VISIBILITY_LABEL = { public: 'Public', signed_in: 'Signed-in viewers', token_gated: 'NFT holders' };

export function durationOf(item) {
  const d = item?.media?.duration ?? item?.source?.duration;
  return Number.isFinite(d) ? d : NaN;
}

export function posterUrl(item) {
  return item.status === 'ready' && item.poster ? `/stream/${encodeURIComponent(item.id)}/poster.jpg` : null;
}

export function libraryPanel({ address }) {
  const list = h('ul', { class: 'cards', 'aria-label': 'My videos' });
  const empty = h('p', { class: 'muted', hidden: true }, 'No videos yet: upload one above.');
  const liveNote = h('p', { class: 'hint live-mode', 'data-testid': 'live-mode' }, '');
  const cards = new Map(); // id -> {item, el, parts}
  const progress = new Map(); // id -> {percent, message}
  let refreshing = null;
  let again = false;

  async function refresh() {
    if (refreshing) {
      again = true;
      return refreshing;
    }
    refreshing = (async () => {
      try {
        const answer = await api.listContent({ owner: address, limit: 100 });
        render(answer?.items || []);
      } catch (e) {
        notify(`Could not load your videos: ${e.message}`, 'error');
      }
    })();
    await refreshing;
    refreshing = null;
    if (again) {
      again = false;
      await refresh();
    }
  }

  function render(items) {
    const seen = new Set();
    items.forEach((item, index) => {
      seen.add(item.id);
      let card = cards.get(item.id);
      if (!card) {
        card = makeCard(item);
        cards.set(item.id, card);
        loadStats(card);
      } else {
        updateCard(card, item);
      }
      if (list.children[index] !== card.el) list.insertBefore(card.el, list.children[index] || null);
    });
    for (const [id, card] of cards) {
      if (!seen.has(id)) {
        card.el.remove();
        cards.delete(id);
      }
    }
    empty.hidden = cards.size > 0;
  }

  function makeCard(item) {
    const parts = {
      poster: h('div', { class: 'poster' }),
      title: h('a', { href: `/watch/${encodeURIComponent(item.id)}`, class: 'card-title' }),
      status: h('span', { class: 'badge', 'data-testid': 'status' }),
      progress: h('progress', { max: 100, hidden: true, 'aria-label': 'Transcoding progress' }),
      reason: h('p', { class: 'reason', hidden: true }),
      duration: h('span', { class: 'duration' }),
      visibility: h('span', { class: 'visibility' }),
      views: h('span', { class: 'views', 'data-testid': 'views' }, '—'),
    };
    const editButton = h('button', { type: 'button', class: 'secondary' }, 'Edit');
    const deleteButton = h('button', { type: 'button', class: 'danger' }, 'Delete');
    const card = { item, parts, el: null };
    card.el = h('li', { class: 'card', 'data-content-id': item.id },
      parts.poster,
      h('div', { class: 'card-body' },
        h('h3', {}, parts.title),
        h('p', { class: 'meta' }, parts.status, ' ', parts.duration, ' ', parts.visibility, ' ',
          h('span', {}, h('span', { class: 'sr-only' }, 'Views: '), parts.views, h('span', { 'aria-hidden': 'true' }, ' views'))),
        parts.progress,
        parts.reason,
        h('div', { class: 'row-actions' }, editButton, deleteButton)));
    editButton.setAttribute('aria-label', `Edit ${item.title}`);
    deleteButton.setAttribute('aria-label', `Delete ${item.title}`);
    editButton.addEventListener('click', async () => {
      const saved = await openEditDialog(card.item, editButton);
      if (saved) {
        updateCard(card, saved);
        notify('Saved.');
      }
    });
    deleteButton.addEventListener('click', async () => {
      if (!(await confirmDelete(card.item, deleteButton))) return;
      try {
        await api.deleteContent(card.item.id);
        card.el.remove();
        cards.delete(card.item.id);
        empty.hidden = cards.size > 0;
        notify(`Deleted “${card.item.title}”.`);
      } catch (e) {
        notify(`Could not delete: ${e.message}`, 'error');
      }
    });
    updateCard(card, item);
    return card;
  }

  function updateCard(card, item) {
    const wasReady = card.item.status === 'ready';
    card.item = item;
    const { parts } = card;
    card.el.dataset.status = item.status;
    parts.title.textContent = item.title;
    parts.visibility.textContent = VISIBILITY_LABEL[item.visibility] || item.visibility;
    const d = durationOf(item);
    parts.duration.textContent = Number.isFinite(d) ? clock(d) : '';
    parts.duration.hidden = !Number.isFinite(d);
    const p = progress.get(item.id);
    parts.status.dataset.status = item.status;
    parts.status.textContent = item.status === 'processing' && p
      ? `Processing ${Math.round(p.percent)} %`
      : STATUS_LABEL[item.status] || item.status;
    parts.progress.hidden = item.status !== 'processing';
    if (item.status === 'processing') {
      if (p) parts.progress.value = p.percent;
      else parts.progress.removeAttribute('value'); // indeterminate until the first report
    }
    parts.reason.hidden = !(item.status === 'failed' && item.status_reason);
    parts.reason.textContent = item.status === 'failed' ? `Why: ${item.status_reason || 'unknown'}` : '';
    const poster = posterUrl(item);
    if (poster && (!wasReady || !parts.poster.firstChild)) {
      clear(parts.poster).append(h('img', { src: poster, alt: '', loading: 'lazy', width: 320, height: 180 }));
    } else if (!poster) {
      clear(parts.poster).append(h('span', { class: 'poster-placeholder', 'aria-hidden': 'true' }, STATUS_LABEL[item.status] || ''));
    }
  }

  async function loadStats(card) {
    try {
      const s = await api.stats(card.item.id);
      const views = s?.totals?.views;
      card.parts.views.textContent = Number.isFinite(views) ? count(views) : '—';
    } catch (e) {
      // 404: no stats for this content (or no stats API on this server yet).
      card.parts.views.textContent = '—';
      if (!(e instanceof ApiError) || e.status !== 404) console.debug('stats', e);
    }
  }

  function setProgress(id, percent, message) {
    progress.set(id, { percent, message });
    const card = cards.get(id);
    if (card && card.item.status !== 'ready') {
      if (card.item.status === 'uploading') card.item = { ...card.item, status: 'processing' };
      updateCard(card, card.item);
    }
  }

  // Polling fallback: the list, plus the progress of what is processing (the playback API
  // reports it in its 409 not_ready answer).
  async function poll() {
    await refresh();
    await Promise.all([...cards.values()].filter((c) => c.item.status === 'processing').map(async (c) => {
      try {
        await api.playback(c.item.id);
        refresh(); // it became ready meanwhile
      } catch (e) {
        if (e instanceof ApiError && e.code === 'not_ready' && Number.isFinite(e.details.progress)) {
          setProgress(c.item.id, e.details.progress, e.details.progress_message);
        }
      }
    }));
  }

  let debounce = null;
  const refreshSoon = () => {
    clearTimeout(debounce);
    debounce = setTimeout(refresh, 150);
  };
  const stream = subscribe({
    event(topic, data) {
      if (topic === 'transcode.progress' && data.content_id) {
        setProgress(data.content_id, Number(data.progress) || 0, data.message);
        return;
      }
      if (topic === 'transcode.completed' || topic === 'transcode.failed') progress.delete(data.content_id);
      refreshSoon();
    },
    reset: refresh,
    poll,
    mode(m) {
      liveNote.textContent = m === 'live' ? 'Live updates on.' : 'Checking for updates every 5 seconds.';
      liveNote.dataset.mode = m;
    },
  });

  refresh();
  const el = h('section', { class: 'panel', 'aria-labelledby': 'library-heading' },
    h('div', { class: 'panel-head' }, h('h2', { id: 'library-heading' }, 'My videos'), liveNote),
    empty, list);
  return { el, refresh, dispose: () => stream.close() };
}
