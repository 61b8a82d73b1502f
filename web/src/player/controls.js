// The player's own controls around a <video>: play/pause, a seek bar with storyboard
// previews, time, mute and volume, quality (the engine's levels) and player choice, full
// screen; keyboard shortcuts: space / k play-pause, f full screen, m mute, left / right seek
// 5 s, up / down volume. All controls are real buttons, ranges and selects with labels.
import { h, uid } from '../dom.js';
import { clock } from '../format.js';
import { cueAt } from './storyboard.js';

const SEEK_STEP = 5;

function levelLabel(l) {
  if (l.height) return `${l.height}p`;
  return l.bitrate ? `${Math.round(l.bitrate / 1000)} kb/s` : `level ${l.index + 1}`;
}

export function buildControls({ video, container, engines, engineName, onEngineChange }) {
  const play = h('button', { type: 'button', class: 'ctl', 'aria-label': 'Play', 'data-action': 'play' }, 'Play');
  const seek = h('input', { type: 'range', class: 'seek', min: 0, max: 0, step: 0.1, value: 0, 'aria-label': 'Seek', 'aria-valuetext': '0:00' });
  const time = h('span', { class: 'time', 'aria-hidden': 'true' }, '0:00 / 0:00');
  const mute = h('button', { type: 'button', class: 'ctl', 'aria-pressed': 'false' }, 'Mute');
  const volume = h('input', { type: 'range', class: 'volume', min: 0, max: 1, step: 0.05, value: video.volume, 'aria-label': 'Volume' });
  const qualityId = uid('quality');
  const quality = h('select', { id: qualityId, disabled: true }, h('option', { value: '-1' }, 'Auto'));
  const engineId = uid('engine');
  const engine = h('select', { id: engineId },
    engines.map((e) => h('option', { value: e }, e === 'native' ? 'Browser (native HLS)' : e)));
  engine.value = engineName;
  const full = h('button', { type: 'button', class: 'ctl', 'aria-pressed': 'false' }, 'Full screen');
  const previewImg = h('img', { alt: '', class: 'preview-img' });
  const previewFrame = h('div', { class: 'preview-frame' }, previewImg);
  const previewTime = h('span', { class: 'preview-time' });
  const preview = h('div', { class: 'preview', hidden: true, 'aria-hidden': 'true' }, previewFrame, previewTime);
  const seekWrap = h('div', { class: 'seek-wrap' }, preview, seek);
  const bar = h('div', { class: 'controls' },
    seekWrap,
    h('div', { class: 'controls-row' },
      play, time, mute, volume,
      h('span', { class: 'select-ctl' }, h('label', { for: qualityId }, 'Quality'), quality),
      h('span', { class: 'select-ctl' }, h('label', { for: engineId }, 'Player'), engine),
      full));

  let cues = [];
  let levels = [];
  let getLevel = () => -1;
  let setLevel = () => {};
  let seeking = false;

  const togglePlay = () => {
    if (video.paused || video.ended) video.play().catch(() => {});
    else video.pause();
  };
  const toggleMute = () => {
    video.muted = !video.muted;
  };
  const toggleFull = () => {
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else container.requestFullscreen?.().catch(() => {});
  };
  const seekBy = (d) => {
    const max = Number.isFinite(video.duration) ? video.duration : Infinity;
    video.currentTime = Math.max(0, Math.min(max, video.currentTime + d));
  };

  play.addEventListener('click', togglePlay);
  mute.addEventListener('click', toggleMute);
  full.addEventListener('click', toggleFull);
  volume.addEventListener('input', () => {
    video.volume = Number(volume.value);
    video.muted = video.volume === 0;
  });
  seek.addEventListener('input', () => {
    seeking = true;
    showPreview(Number(seek.value), null);
  });
  seek.addEventListener('change', () => {
    video.currentTime = Number(seek.value);
    seeking = false;
    hidePreview();
  });
  seek.addEventListener('pointermove', (e) => {
    const rect = seek.getBoundingClientRect();
    const frac = Math.min(1, Math.max(0, (e.clientX - rect.left) / rect.width));
    showPreview(frac * (Number(seek.max) || 0), e.clientX - rect.left);
  });
  seek.addEventListener('pointerleave', () => {
    if (!seeking) hidePreview();
  });
  seek.addEventListener('blur', hidePreview);
  video.addEventListener('click', togglePlay);
  quality.addEventListener('change', () => setLevel(Number(quality.value)));
  engine.addEventListener('change', () => onEngineChange(engine.value));

  function showPreview(t, x) {
    const cue = cueAt(cues, t);
    previewTime.textContent = clock(t);
    if (cue) {
      previewFrame.hidden = false;
      if (previewImg.getAttribute('src') !== cue.url) previewImg.src = cue.url;
      // Styles set through the CSSOM are allowed by the page's style-src 'self'.
      previewFrame.style.width = `${cue.w}px`;
      previewFrame.style.height = `${cue.h}px`;
      previewImg.style.transform = `translate(${-cue.x}px, ${-cue.y}px)`;
      preview.dataset.cue = `${cue.x},${cue.y}`;
    } else {
      previewFrame.hidden = true;
    }
    const rect = seek.getBoundingClientRect();
    const px = x ?? ((Number(seek.max) ? t / Number(seek.max) : 0) * rect.width);
    const half = (cue ? cue.w : 60) / 2;
    preview.style.left = `${Math.max(0, Math.min(rect.width - 2 * half, px - half))}px`;
    preview.hidden = false;
  }
  function hidePreview() {
    preview.hidden = true;
  }

  const update = () => {
    const d = Number.isFinite(video.duration) ? video.duration : 0;
    if (Number(seek.max) !== d) seek.max = d;
    if (!seeking) seek.value = video.currentTime;
    seek.setAttribute('aria-valuetext', `${clock(video.currentTime)} of ${clock(d)}`);
    time.textContent = `${clock(video.currentTime)} / ${clock(d)}`;
  };
  const syncPlay = () => {
    const paused = video.paused || video.ended;
    play.textContent = paused ? 'Play' : 'Pause';
    play.setAttribute('aria-label', paused ? 'Play' : 'Pause');
  };
  const syncVolume = () => {
    mute.textContent = video.muted ? 'Unmute' : 'Mute';
    mute.setAttribute('aria-pressed', String(video.muted));
    volume.value = video.muted ? 0 : video.volume;
  };
  video.addEventListener('timeupdate', update);
  video.addEventListener('durationchange', update);
  video.addEventListener('play', syncPlay);
  video.addEventListener('pause', syncPlay);
  video.addEventListener('ended', syncPlay);
  video.addEventListener('volumechange', syncVolume);
  const onFull = () => full.setAttribute('aria-pressed', String(document.fullscreenElement === container));
  document.addEventListener('fullscreenchange', onFull);
  syncVolume();

  // Shortcuts work anywhere on the page except in text fields and selects, and in dialogs.
  const onKey = (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    // Space on a focused button is that button's own click (keyboard users rely on it).
    if (e.key === ' ' && (t.tagName === 'BUTTON' || t.tagName === 'A')) return;
    if (t.closest?.('dialog') || t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)) {
      // Let ranges keep their own arrow keys; the letter shortcuts still apply on them.
      if (!(t.tagName === 'INPUT' && t.type === 'range' && /^[kfm ]$/i.test(e.key))) return;
    }
    switch (e.key) {
      case ' ':
      case 'k':
      case 'K':
        togglePlay();
        break;
      case 'f':
      case 'F':
        toggleFull();
        break;
      case 'm':
      case 'M':
        toggleMute();
        break;
      case 'ArrowLeft':
        seekBy(-SEEK_STEP);
        break;
      case 'ArrowRight':
        seekBy(SEEK_STEP);
        break;
      case 'ArrowUp':
        video.volume = Math.min(1, video.volume + 0.1);
        video.muted = false;
        break;
      case 'ArrowDown':
        video.volume = Math.max(0, video.volume - 0.1);
        break;
      default:
        return;
    }
    e.preventDefault();
  };
  document.addEventListener('keydown', onKey);

  return {
    el: bar,
    setCues(next) {
      cues = next;
      seekWrap.dataset.storyboard = String(cues.length);
    },
    setLevels(list, current, set) {
      levels = list;
      getLevel = current;
      setLevel = set;
      quality.replaceChildren(h('option', { value: '-1' }, 'Auto'),
        ...[...levels].sort((a, b) => (b.height || b.bitrate) - (a.height || a.bitrate)).map((l) => h('option', { value: String(l.index) }, levelLabel(l))));
      quality.value = String(getLevel());
      quality.disabled = levels.length < 2;
    },
    dispose() {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('fullscreenchange', onFull);
    },
  };
}
