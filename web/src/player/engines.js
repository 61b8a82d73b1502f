// The three ways to play: hls.js (default wherever Media Source Extensions exist), dash.js
// (selectable), and the browser's own HLS (Safari/iOS, where MSE is absent). Each engine is
// loaded on demand (its own bundle chunk) and exposes the same small interface:
//   {name, levels() -> [{index, height, bitrate}], level() -> index | -1 (auto),
//    setLevel(index | -1), destroy()}
// plus callbacks onLevels() and onError({status, fatal, message}).

export function hasMse() {
  return typeof window.MediaSource === 'function' || typeof window.ManagedMediaSource === 'function';
}

export function hasNativeHls(video) {
  return Boolean(video.canPlayType('application/vnd.apple.mpegurl'));
}

// What this browser can use, default first.
export function availableEngines(video) {
  const out = [];
  if (hasMse()) out.push('hls.js', 'dash.js');
  if (hasNativeHls(video)) out.push('native');
  return out;
}

export function defaultEngine(video, preferred) {
  const engines = availableEngines(video);
  if (preferred && engines.includes(preferred)) return preferred;
  return engines[0] || null;
}

async function hlsEngine(video, playback, cb) {
  const { default: Hls } = await import('hls.js');
  // No worker: StreamGate's renditions are CMAF (fMP4), which hls.js passes through without
  // transmuxing, and a worker would parse hls.js a second time before the first frame.
  const hls = new Hls({ capLevelToPlayerSize: true, startPosition: -1, enableWorker: false, startFragPrefetch: true });
  hls.on(Hls.Events.MANIFEST_PARSED, () => {
    performance.mark('sg:manifest-parsed');
    cb.onLevels();
  });
  hls.on(Hls.Events.LEVEL_SWITCHED, () => cb.onLevelSwitched?.());
  hls.on(Hls.Events.ERROR, (_, d) => {
    const status = d.response?.code || 0;
    if (d.fatal || status === 401 || status === 403) {
      cb.onError({ status, fatal: d.fatal, message: `${d.type}/${d.details}${status ? ` (HTTP ${status})` : ''}` });
    }
  });
  hls.attachMedia(video);
  hls.loadSource(playback.hls);
  return {
    name: 'hls.js',
    levels: () => hls.levels.map((l, index) => ({ index, height: l.height, bitrate: l.bitrate })),
    level: () => (hls.autoLevelEnabled ? -1 : hls.currentLevel),
    playingLevel: () => hls.currentLevel,
    setLevel: (index) => {
      hls.currentLevel = index; // -1 = automatic (ABR)
    },
    reload: (next, at) => {
      hls.stopLoad();
      hls.loadSource(next.hls);
      hls.startLoad(at);
    },
    destroy: () => hls.destroy(),
  };
}

async function dashEngine(video, playback, cb) {
  const dashjs = await import('dashjs');
  const player = dashjs.MediaPlayer().create();
  const ev = dashjs.MediaPlayer.events;
  player.updateSettings({ debug: { logLevel: 2 } });
  player.on(ev.STREAM_INITIALIZED, () => cb.onLevels());
  player.on(ev.QUALITY_CHANGE_RENDERED, () => cb.onLevelSwitched?.());
  player.on(ev.ERROR, (e) => cb.onError({ status: e?.error?.data?.response?.status || 0, fatal: true, message: `dash.js: ${e?.error?.message || 'error'}` }));
  player.initialize(video, playback.dash, true);
  let manual = -1;
  const reps = () => player.getRepresentationsByType('video') || [];
  return {
    name: 'dash.js',
    levels: () => reps().map((r, index) => ({ index, height: r.height, bitrate: r.bandwidth, id: r.id })),
    level: () => manual,
    playingLevel: () => {
      const cur = player.getCurrentRepresentationForType?.('video');
      return cur ? reps().findIndex((r) => r.id === cur.id) : -1;
    },
    setLevel: (index) => {
      manual = index;
      player.updateSettings({ streaming: { abr: { autoSwitchBitrate: { video: index < 0 } } } });
      const rep = reps()[index];
      if (index >= 0 && rep) player.setRepresentationForTypeById('video', rep.id, true);
    },
    reload: (next, at) => {
      player.attachSource(next.dash, at);
    },
    destroy: () => player.destroy(),
  };
}

function nativeEngine(video, playback) {
  video.src = playback.hls;
  return {
    name: 'native',
    levels: () => [],
    level: () => -1,
    playingLevel: () => -1,
    setLevel: () => {},
    reload: (next, at) => {
      video.src = next.hls;
      video.currentTime = at;
    },
    destroy: () => {
      video.removeAttribute('src');
      video.load();
    },
  };
}

export async function createEngine(name, video, playback, callbacks) {
  if (name === 'hls.js') return hlsEngine(video, playback, callbacks);
  if (name === 'dash.js') return dashEngine(video, playback, callbacks);
  if (name === 'native') {
    const engine = nativeEngine(video, playback);
    video.addEventListener('loadedmetadata', () => callbacks.onLevels(), { once: true });
    return engine;
  }
  throw new Error(`unknown player ${name}`);
}
