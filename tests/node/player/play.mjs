#!/usr/bin/env node
// Plays an HLS or DASH manifest in a real browser (Debian's chromium driven by playwright-core)
// with the pinned hls.js or dash.js, and proves it played:
//
//   node play.mjs --url <manifest URL> --kind hls|dash [--seconds N] [--timeout-ms N] [--switch]
//                 [--chromium PATH]
//   node play.mjs --probe        (launches the browser only: is this machine able to play?)
//
// A tiny HTTP server on 127.0.0.1:0 serves the page and the player bundle from node_modules;
// the media come from wherever --url points (another origin: that server must send CORS
// headers). The URL is used as given, query string and all; the manifests' inner URIs are
// resolved by the player as they are.
//
// Playback is proven when the video element's currentTime passes --seconds (default 3) with no
// fatal player error. With --switch the player starts on the lowest video rung with ABR off,
// and once that rung's first media segment is in, is switched to the top rung; the top rung's
// segments must then be fetched (player event + a 2xx response seen on the browser's network)
// and rendered (hls.js LEVEL_SWITCHED / dash.js QUALITY_CHANGE_RENDERED) before the run ends.
//
// Prints ONE JSON line on stdout:
//   {ok, kind, url, currentTime, seconds, switch, levels:[{height,width,bitrate}],
//    levelsFetched:[heights], levelsRendered:[heights], audioFetched, segmentsFetched,
//    decodedFrames, droppedFrames, videoWidth, videoHeight, ended, fatalError, errors:[...],
//    reason, browserVersion, elapsedMs}
// levelsFetched lists the video rungs (by height, or bitrate when the manifest gives no height)
// with at least one media segment fetched. Exit code 0 only when ok; 1 when not; 2 on bad usage.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const nodeModules = path.resolve(here, '..', 'node_modules');
const bundles = {
  hls: path.join(nodeModules, 'hls.js', 'dist', 'hls.min.js'),
  // dash.js 5: the "modern" UMD build sets window.dashjs from a classic <script>.
  dash: path.join(nodeModules, 'dashjs', 'dist', 'modern', 'umd', 'dash.all.min.js'),
};
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const started = Date.now();
const out = { ok: false, errors: [] };
let printed = false;

function finish(code) {
  if (!printed) {
    printed = true;
    out.elapsedMs = Date.now() - started;
    process.stdout.write(JSON.stringify(out) + '\n');
  }
  process.exitCode = code;
}

function usage(msg) {
  out.reason = `usage: ${msg}`;
  out.fatalError = out.reason;
  finish(2);
  process.exit(2);
}

function parseArgs(argv) {
  const o = { seconds: 3, timeoutMs: 30000, switch: false, probe: false, chromium: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--url') o.url = value();
    else if (a === '--kind') o.kind = value();
    else if (a === '--seconds') o.seconds = Number(value());
    else if (a === '--timeout-ms') o.timeoutMs = Number(value());
    else if (a === '--switch') o.switch = true;
    else if (a === '--chromium') o.chromium = value();
    else if (a === '--probe') o.probe = true;
    else usage(`unknown argument ${a}`);
  }
  if (o.probe) return o;
  if (!o.url) usage('--url is required');
  if (o.kind !== 'hls' && o.kind !== 'dash') usage('--kind must be hls or dash');
  if (!(o.seconds > 0)) usage('--seconds must be a positive number');
  if (!(o.timeoutMs > 0)) usage('--timeout-ms must be a positive number');
  return o;
}

// --chromium, else $SG_CHROMIUM, else Debian's chromium: a path given is used or fails, never
// silently replaced by another browser.
function chromiumPath(explicit) {
  const given = explicit || process.env.SG_CHROMIUM;
  const candidates = given ? [given] : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
  for (const c of candidates) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  return null;
}

// ---- the page ---------------------------------------------------------------------------------

// Runs in the browser. Everything it learns goes into window.__sg, which node polls.
function pageMain(cfg) {
  const s = {
    phase: 'loading',
    levels: [],          // [{height, width, bitrate, id}] as the player lists the video rungs
    fetched: [],         // [{key, url, level}] media segments the player reports loaded
    rendered: [],        // level keys the player reports rendering
    audioUrls: [],
    errors: [],
    fatalError: null,
    switchedAt: null,
    lowKey: null,
    topKey: null,
  };
  window.__sg = s;
  const video = document.getElementById('v');
  video.muted = true;
  video.addEventListener('error', () => {
    const e = video.error;
    s.fatalError = s.fatalError ?? `video element error ${e ? e.code : '?'}: ${e ? e.message : ''}`;
  });
  const keyOf = (l) => (l && l.height ? l.height : l ? l.bitrate : null);
  const pickLowTop = () => {
    const byRate = [...s.levels].sort((a, b) => (a.bitrate - b.bitrate) || (a.height - b.height));
    s.lowKey = keyOf(byRate[0]);
    s.topKey = keyOf(byRate[byRate.length - 1]);
    return [byRate[0], byRate[byRate.length - 1]];
  };
  const play = () => {
    const p = video.play();
    if (p && p.catch) p.catch((e) => s.errors.push(`video.play(): ${e.message}`));
  };

  if (cfg.kind === 'hls') {
    const Hls = window.Hls;
    if (!Hls || !Hls.isSupported()) {
      s.fatalError = 'hls.js is not supported in this browser (no MediaSource)';
      return;
    }
    const hls = new Hls({ autoStartLoad: false, capLevelToPlayerSize: false, debug: false });
    window.__hls = hls;
    let low = null;
    let top = null;
    hls.on(Hls.Events.ERROR, (_, d) => {
      const msg = `hls.js ${d.fatal ? 'fatal ' : ''}${d.type}/${d.details}` +
        (d.response && d.response.code ? ` (HTTP ${d.response.code})` : '') +
        (d.frag && d.frag.url ? ` ${d.frag.url}` : d.url ? ` ${d.url}` : '') +
        (d.error && d.error.message ? `: ${d.error.message}` : '');
      s.errors.push(msg);
      if (d.fatal && !s.fatalError) s.fatalError = msg;
    });
    hls.on(Hls.Events.MANIFEST_PARSED, () => {
      s.levels = hls.levels.map((l, i) => ({ index: i, height: l.height || 0, width: l.width || 0,
        bitrate: l.bitrate || 0 }));
      if (s.levels.length === 0) {
        s.fatalError = 'hls.js: no video levels';
        return;
      }
      [low, top] = pickLowTop();
      if (cfg.switch) {
        hls.startLevel = low.index;
        hls.loadLevel = low.index;  // a manual level: ABR off
      }
      s.phase = 'playing';
      hls.startLoad(-1);
      play();
    });
    hls.on(Hls.Events.FRAG_LOADED, (_, d) => {
      const f = d.frag;
      if (!f || f.sn === 'initSegment') return;
      if (f.type === 'audio') {
        s.audioUrls.push(f.url);
        return;
      }
      const l = s.levels[f.level];
      s.fetched.push({ key: keyOf(l), url: f.url });
    });
    hls.on(Hls.Events.FRAG_BUFFERED, (_, d) => {
      const f = d.frag;
      if (!cfg.switch || s.switchedAt !== null || !f || f.type !== 'main') return;
      if (f.level === low.index && top.index !== low.index) {
        s.switchedAt = video.currentTime;
        hls.nextLevel = top.index;  // next fragment from the top rung, buffer ahead flushed
      }
    });
    hls.on(Hls.Events.LEVEL_SWITCHED, (_, d) => {
      const l = s.levels[d.level];
      if (l && !s.rendered.includes(keyOf(l))) s.rendered.push(keyOf(l));
    });
    hls.attachMedia(video);
    hls.loadSource(cfg.url);
    return;
  }

  // dash.js 5
  const dashjs = window.dashjs;
  if (!dashjs) {
    s.fatalError = 'dash.js did not load';
    return;
  }
  const player = dashjs.MediaPlayer().create();
  window.__dash = player;
  const ev = dashjs.MediaPlayer.events;
  const settings = { debug: { logLevel: dashjs.Debug ? dashjs.Debug.LOG_LEVEL_WARNING : 2 } };
  if (cfg.switch) {
    settings.streaming = {
      abr: { autoSwitchBitrate: { video: false }, initialBitrate: { video: 1 } },
    };
  }
  player.updateSettings(settings);
  let low = null;
  let top = null;
  player.on(ev.ERROR, (e) => {
    const err = e.error || {};
    const msg = `dash.js error ${err.code ?? ''}: ${err.message ?? JSON.stringify(e.error)}`;
    s.errors.push(msg);
    if (!s.fatalError) s.fatalError = msg;
  });
  player.on(ev.PLAYBACK_ERROR, (e) => {
    const msg = `dash.js playback error: ${e.error && e.error.message ? e.error.message : ''}`;
    s.errors.push(msg);
    if (!s.fatalError) s.fatalError = msg;
  });
  player.on(ev.STREAM_INITIALIZED, () => {
    const reps = player.getRepresentationsByType('video') || [];
    s.levels = reps.map((r) => ({ id: r.id, height: r.height || 0, width: r.width || 0,
      bitrate: r.bandwidth || 0 }));
    if (s.levels.length === 0) {
      s.fatalError = 'dash.js: no video representations';
      return;
    }
    [low, top] = pickLowTop();
    if (cfg.switch) player.setRepresentationForTypeById('video', low.id, true);
    s.phase = 'playing';
    // On a loaded machine segments may complete before this event: switch now if so.
    if (cfg.switch && s.switchedAt === null && top.id !== low.id &&
        s.fetched.some((f) => f.key === keyOf(low))) {
      s.switchedAt = video.currentTime;
      setTimeout(() => player.setRepresentationForTypeById('video', top.id, true), 0);
    }
  });
  const repKey = (rep) => {
    if (!rep) return null;
    const l = s.levels.find((x) => x.id === rep.id);
    return l ? keyOf(l) : (rep.height || rep.bandwidth || null);
  };
  player.on(ev.FRAGMENT_LOADING_COMPLETED, (e) => {
    const r = e.request;
    if (!r || r.type !== 'MediaSegment' || e.error) return;
    if (r.mediaType === 'audio') {
      s.audioUrls.push(r.url);
      return;
    }
    if (r.mediaType !== 'video') return;
    const key = repKey(r.representation);
    s.fetched.push({ key, url: r.url });
    if (cfg.switch && s.switchedAt === null && low && top && top.id !== low.id &&
        r.representation && r.representation.id === low.id) {
      s.switchedAt = video.currentTime;
      // Later segments from the top rung; what is buffered ahead is replaced.
      setTimeout(() => player.setRepresentationForTypeById('video', top.id, true), 0);
    }
  });
  player.on(ev.QUALITY_CHANGE_RENDERED, (e) => {
    if (e.mediaType !== 'video') return;
    const key = repKey(e.newRepresentation);
    if (key !== null && !s.rendered.includes(key)) s.rendered.push(key);
  });
  player.initialize(video, cfg.url, true);
  play();
}

function pageHtml(kind, cfg) {
  const script = kind === 'hls' ? '/hls.min.js' : '/dash.all.min.js';
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>StreamGate player harness</title></head>
<body>
<video id="v" muted playsinline width="640" height="360"></video>
<script src="${script}"></script>
<script>
(${pageMain.toString()})(${JSON.stringify(cfg).replace(/</g, '\\u003c')});
</script>
</body></html>`;
}

function servePage(kind, cfg) {
  const html = pageHtml(kind, cfg);
  const server = http.createServer((req, res) => {
    const p = new URL(req.url, 'http://x').pathname;
    if (p === '/' || p === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(html);
    } else if (p === '/hls.min.js' || p === '/dash.all.min.js') {
      const file = p === '/hls.min.js' ? bundles.hls : bundles.dash;
      fs.readFile(file, (err, body) => {
        if (err) {
          res.writeHead(500).end(String(err));
          return;
        }
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
        res.end(body);
      });
    } else if (p === '/favicon.ico') {
      res.writeHead(204).end();
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

// ---- the run ----------------------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function launch(opts) {
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    throw new Error(`playwright-core is not installed in ${nodeModules} (${e.message})`);
  }
  const executablePath = chromiumPath(opts.chromium);
  if (!executablePath) {
    const given = opts.chromium || process.env.SG_CHROMIUM;
    throw new Error(given ? `no chromium: ${given} is not an executable`
      : 'no chromium: install it (apt-get install chromium) or set SG_CHROMIUM');
  }
  out.browserPath = executablePath;
  const browser = await chromium.launch({ executablePath, args: LAUNCH_ARGS, headless: true,
    timeout: Math.min(opts.timeoutMs ?? 30000, 30000) });
  out.browserVersion = browser.version();
  return browser;
}

async function run(opts) {
  if (opts.probe) {
    const browser = await launch(opts);
    await browser.close();
    for (const [k, f] of Object.entries(bundles)) {
      if (!fs.existsSync(f)) throw new Error(`missing ${k} bundle ${f}`);
    }
    out.ok = true;
    return;
  }
  Object.assign(out, { kind: opts.kind, url: opts.url, seconds: opts.seconds, switch: opts.switch,
    currentTime: 0, levels: [], levelsFetched: [], levelsRendered: [], fatalError: null });
  if (!fs.existsSync(bundles[opts.kind])) throw new Error(`missing player bundle ${bundles[opts.kind]}`);
  const deadline = started + opts.timeoutMs;
  const server = await servePage(opts.kind, { kind: opts.kind, url: opts.url, switch: opts.switch });
  let browser = null;
  try {
    browser = await launch(opts);
    const page = await browser.newPage();
    // What the browser really fetched: url -> last status.
    const responses = new Map();
    let requests = 0;
    page.on('request', () => requests++);
    page.on('response', (r) => {
      responses.set(r.url(), r.status());
      if (r.status() >= 400) out.errors.push(`HTTP ${r.status()} ${r.url()}`);
    });
    page.on('requestfailed', (r) => {
      const f = r.failure();
      const text = f ? f.errorText : '?';
      // The player cancelling its own request (hls.js drops the old rung's segment in flight
      // when it switches) is not a failure of the server: listed apart.
      if (text === 'net::ERR_ABORTED') {
        out.aborted = (out.aborted || []).concat(r.url());
        return;
      }
      out.errors.push(`request failed ${r.url()}: ${text}`);
    });
    page.on('pageerror', (e) => out.errors.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') out.errors.push(`console: ${m.text()}`);
    });
    const pageUrl = `http://127.0.0.1:${server.address().port}/`;
    await page.goto(pageUrl, { timeout: Math.max(1000, deadline - Date.now()) });

    let st = null;
    let media = null;
    const fetchedOk = (f) => {
      const status = responses.get(f.url);
      return status !== undefined && status >= 200 && status < 300;
    };
    const summarize = () => {
      const keys = [...new Set(st.fetched.filter(fetchedOk).map((f) => f.key))]
        .filter((k) => k !== null).sort((a, b) => a - b);
      out.levels = st.levels.map(({ height, width, bitrate }) => ({ height, width, bitrate }));
      out.levelsFetched = keys;
      out.levelsRendered = [...st.rendered].sort((a, b) => a - b);
      out.segmentsFetched = st.fetched.filter(fetchedOk).length;
      out.segmentsReportedByPlayer = st.fetched.length;
      out.audioFetched = st.audioUrls.some((u) => fetchedOk({ url: u }));
      out.switchedAt = st.switchedAt;
      out.fatalError = st.fatalError;
      Object.assign(out, media);
      out.requests = requests;
    };
    const switchDone = () => {
      if (!opts.switch) return true;
      if (st.lowKey === null || st.topKey === null || st.lowKey === st.topKey) return false;
      return out.levelsFetched.includes(st.lowKey) && out.levelsFetched.includes(st.topKey) &&
        out.levelsRendered.includes(st.topKey);
    };
    for (;;) {
      [st, media] = await page.evaluate(() => {
        const v = document.getElementById('v');
        const q = v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality() : null;
        return [window.__sg, {
          currentTime: v.currentTime, ended: v.ended, paused: v.paused, readyState: v.readyState,
          videoWidth: v.videoWidth, videoHeight: v.videoHeight,
          decodedFrames: q ? q.totalVideoFrames : null, droppedFrames: q ? q.droppedVideoFrames : null,
        }];
      });
      summarize();
      if (st.fatalError) {
        out.reason = `fatal player error: ${st.fatalError}`;
        break;
      }
      const played = media.currentTime >= opts.seconds;
      if (played && switchDone()) {
        out.ok = true;
        break;
      }
      if (media.ended) {
        out.reason = played ? 'the media ended before the rung switch was proven'
          : `the media ended at ${media.currentTime} s, before ${opts.seconds} s`;
        break;
      }
      if (Date.now() >= deadline) {
        out.reason = `timed out after ${opts.timeoutMs} ms: currentTime ${media.currentTime}` +
          (opts.switch ? `, switch from ${st.lowKey} to ${st.topKey}: fetched [${out.levelsFetched}],` +
            ` rendered [${out.levelsRendered}]` : '');
        break;
      }
      await sleep(100);
    }
    if (out.ok && opts.switch && st.fetched.some((f) => !fetchedOk(f))) {
      out.errors.push('some segments the player reported loaded were not seen on the network');
    }
  } finally {
    if (browser) await browser.close().catch(() => {});
    server.close();
  }
}

const opts = parseArgs(process.argv.slice(2));
// The run bounds itself; this is the last resort should the browser hang on close.
const hardStop = setTimeout(() => {
  out.ok = false;
  out.reason = out.reason ?? 'hard timeout (browser did not close)';
  finish(1);
  process.exit(1);
}, (opts.timeoutMs ?? 30000) + 20000);
hardStop.unref();
try {
  await run(opts);
} catch (e) {
  out.ok = false;
  out.reason = e && e.message ? e.message : String(e);
  out.fatalError = out.fatalError ?? out.reason;
}
finish(out.ok ? 0 : 1);
