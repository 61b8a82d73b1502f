// The upload panel: drag-and-drop or a file picker, several files at once, each sent with
// tus-js-client to /files/ (the session cookie authenticates it). tus-js-client keeps each
// upload's URL in localStorage under a fingerprint of the file and the signed-in address, so
// after a reload (or a crash) picking the same file again resumes where the server stopped.
import * as tus from 'tus-js-client';
import { h, clear, field, uid } from './dom.js';
import { bytes, rate, timeLeft } from './format.js';
import { notify } from './notice.js';

const CHUNK_SIZE = 8 * 1024 * 1024; // one PATCH per 8 MB: progress is made durable as it goes

// A speed estimate over the last few seconds of progress events.
class SpeedMeter {
  constructor(windowMs = 4000) {
    this.windowMs = windowMs;
    this.samples = [];
  }
  add(bytesSent, now = performance.now()) {
    this.samples.push([now, bytesSent]);
    while (this.samples.length > 2 && now - this.samples[0][0] > this.windowMs) this.samples.shift();
  }
  reset() {
    this.samples = [];
  }
  bytesPerSecond() {
    if (this.samples.length < 2) return NaN;
    const [t0, b0] = this.samples[0];
    const [t1, b1] = this.samples[this.samples.length - 1];
    return t1 > t0 ? ((b1 - b0) * 1000) / (t1 - t0) : NaN;
  }
}

function titleFromName(name) {
  const base = name.replace(/\.[^.]+$/, '').replace(/[_]+/g, ' ').trim();
  return (base || name).slice(0, 200);
}

function fingerprintFor(address) {
  // Per wallet: another account on the same browser must not try to resume (it may not).
  return (file) => Promise.resolve(
    ['sg-tus', address.toLowerCase(), file.name, file.type, file.size, file.lastModified].join('-'));
}

class UploadRow {
  constructor(file, options, onDone) {
    this.file = file;
    this.options = options;
    this.onDone = onDone;
    this.meter = new SpeedMeter();
    this.paused = false;
    this.finished = false;
    this.progressId = uid('progress');
    this.bar = h('progress', { id: this.progressId, max: 100, value: 0, 'data-testid': 'upload-progress' });
    this.status = h('p', { class: 'upload-status', 'aria-live': 'polite' }, 'Starting…');
    this.pauseButton = h('button', { type: 'button', class: 'secondary', onclick: () => this.togglePause() }, 'Pause');
    this.cancelButton = h('button', { type: 'button', class: 'danger-link', onclick: () => this.cancel() }, 'Cancel');
    this.el = h('li', { class: 'upload-row', 'data-file': file.name },
      h('label', { class: 'upload-name', for: this.progressId }, file.name, h('span', { class: 'muted' }, ` · ${bytes(file.size)}`)),
      this.bar,
      this.status,
      h('div', { class: 'row-actions' }, this.pauseButton, this.cancelButton));
    this.upload = new tus.Upload(file, {
      endpoint: '/files/',
      chunkSize: CHUNK_SIZE,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      metadata: {
        filename: file.name,
        filetype: file.type || 'application/octet-stream',
        title: titleFromName(file.name),
        visibility: options.visibility,
      },
      fingerprint: fingerprintFor(options.address),
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onProgress: (sent, total) => this.progress(sent, total),
      onSuccess: () => this.success(),
      onError: (e) => this.failure(e),
      onShouldRetry: (err) => {
        const status = err?.originalResponse?.getStatus?.() ?? 0;
        return status === 0 || status === 409 || status === 423 || status >= 500;
      },
    });
  }

  async start() {
    try {
      const previous = await this.upload.findPreviousUploads();
      if (previous.length > 0) {
        this.upload.resumeFromPreviousUpload(previous[0]);
        this.status.textContent = 'Resuming an earlier upload of this file…';
      }
    } catch {
      // No storage (private mode): start from the beginning.
    }
    this.meter.reset();
    this.upload.start();
  }

  progress(sent, total) {
    const pct = total > 0 ? (sent / total) * 100 : 0;
    this.bar.value = pct;
    this.bar.dataset.value = pct.toFixed(1);
    this.meter.add(sent);
    const speed = this.meter.bytesPerSecond();
    const left = speed > 0 ? (total - sent) / speed : NaN;
    this.status.textContent = `${bytes(sent)} of ${bytes(total)} (${Math.floor(pct)} %) · ${rate(speed)} · ${timeLeft(left)} left`;
  }

  togglePause() {
    if (this.finished) return;
    if (this.paused) {
      this.paused = false;
      this.pauseButton.textContent = 'Pause';
      this.status.textContent = 'Resuming…';
      this.meter.reset();
      this.upload.start();
    } else {
      this.paused = true;
      this.pauseButton.textContent = 'Resume';
      this.upload.abort(false).then(() => {
        this.status.textContent = `Paused at ${Math.floor(this.bar.value)} %.`;
      });
    }
  }

  async cancel() {
    if (this.finished) return;
    this.finished = true;
    this.pauseButton.disabled = true;
    this.cancelButton.disabled = true;
    try {
      await this.upload.abort(true); // DELETE on the server, fingerprint forgotten
      this.status.textContent = 'Cancelled.';
    } catch (e) {
      this.status.textContent = `Cancelled here; the server could not remove the partial upload (${e.message}).`;
    }
    this.el.dataset.state = 'cancelled';
    this.onDone();
  }

  success() {
    this.finished = true;
    this.bar.value = 100;
    this.bar.dataset.value = '100';
    this.pauseButton.remove();
    this.cancelButton.remove();
    const id = this.upload.url ? this.upload.url.split('/').pop() : '';
    this.el.dataset.state = 'done';
    this.el.dataset.contentId = id;
    this.status.textContent = 'Uploaded. Transcoding starts now: follow it in your library below.';
    this.onDone(id);
  }

  failure(e) {
    const res = e?.originalResponse;
    let reason = e?.message || String(e);
    try {
      const body = res?.getBody?.();
      const parsed = body ? JSON.parse(body) : null;
      if (parsed?.error?.message) reason = parsed.error.message;
    } catch {
      // not JSON
    }
    this.finished = true;
    this.el.dataset.state = 'failed';
    this.pauseButton.remove();
    this.status.textContent = `Upload failed: ${reason}`;
    this.cancelButton.textContent = 'Dismiss';
    this.cancelButton.disabled = false;
    this.cancelButton.onclick = () => this.el.remove();
    notify(`${this.file.name}: upload failed (${reason}).`, 'error');
  }
}

// Uploads this browser started for `address` and did not finish (from tus-js-client's store).
async function unfinishedUploads(address) {
  try {
    const all = await tus.defaultOptions.urlStorage.findAllUploads();
    const prefix = `sg-tus-${address.toLowerCase()}-`;
    return all.filter((u) => typeof u.urlStorageKey === 'string' && u.urlStorageKey.includes(prefix));
  } catch {
    return [];
  }
}

export function uploadPanel({ address, onUploaded }) {
  const input = h('input', { type: 'file', id: uid('files'), multiple: true, accept: 'video/*,.mkv,.mov,.mp4,.webm,.avi,.ts', class: 'sr-only-input' });
  const visibility = h('select', { id: uid('vis') },
    h('option', { value: 'public' }, 'Public — anyone with the link'),
    h('option', { value: 'signed_in' }, 'Signed-in viewers only'));
  const list = h('ul', { class: 'uploads', 'aria-label': 'Uploads in progress' });
  const resumable = h('div', { class: 'resumable' });
  const drop = h('div', { class: 'dropzone' },
    h('p', {}, 'Drag video files here, or'),
    input,
    h('label', { for: input.id, class: 'button primary' }, 'Choose files…'),
    h('p', { class: 'hint' }, 'Several files at once are fine. An interrupted upload continues when you pick the same file again, even after a reload.'));

  const startFiles = (files) => {
    const videos = [...files].filter((f) => f.size > 0);
    if (videos.length === 0) return;
    for (const file of videos) {
      const row = new UploadRow(file, { address, visibility: visibility.value }, (id) => {
        if (id) onUploaded?.(id);
        refreshResumable();
      });
      list.append(row.el);
      row.start();
    }
  };
  input.addEventListener('change', () => {
    startFiles(input.files);
    input.value = '';
  });
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('dragging');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('dragging'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('dragging');
    if (e.dataTransfer?.files) startFiles(e.dataTransfer.files);
  });

  async function refreshResumable() {
    const pending = await unfinishedUploads(address);
    const active = new Set([...list.querySelectorAll('.upload-row')].filter((r) => !r.dataset.state).map((r) => r.dataset.file));
    const rows = pending.filter((u) => !active.has(u.metadata?.filename));
    clear(resumable);
    if (rows.length === 0) return;
    resumable.append(h('h3', {}, 'Unfinished uploads'),
      h('p', { class: 'hint' }, 'Pick the same file again to continue one of these.'),
      h('ul', { class: 'plain' }, rows.map((u) => h('li', {},
        `${u.metadata?.filename || 'unnamed file'} · ${bytes(u.size)} · started ${new Date(u.creationTime).toLocaleString()} `,
        h('button', { type: 'button', class: 'danger-link', onclick: async () => {
          try {
            await fetch(u.uploadUrl, { method: 'DELETE', credentials: 'same-origin', headers: { 'Tus-Resumable': '1.0.0' } });
          } catch {
            // gone already, or offline: forget it here anyway
          }
          await tus.defaultOptions.urlStorage.removeUpload(u.urlStorageKey);
          refreshResumable();
        } }, 'Discard')))));
  }
  refreshResumable();

  return h('section', { class: 'panel', 'aria-labelledby': 'upload-heading' },
    h('h2', { id: 'upload-heading' }, 'Upload videos'),
    field('Visibility of new uploads', visibility, 'You can change it, or gate a video behind an NFT, in your library once it is uploaded.'),
    drop, list, resumable);
}
