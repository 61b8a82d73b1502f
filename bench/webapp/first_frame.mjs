#!/usr/bin/env node
// The web app's page weight and time to first frame, in headless Debian chromium on loopback:
//
//   node bench/webapp/first_frame.mjs --base http://127.0.0.1:PORT --id CONTENT_ID [--runs 7]
//
// Page weight: every HTML, JS and CSS response of the start page and of the watch page, as
// decoded bytes (gzip-less) and as served (transfer size: body + headers), from the
// browser's Resource Timing entries.
// First frame: a fresh browser context per run (cold cache) loads /watch/{id} and times, from
// navigation start, the video's first `playing` event and the first time currentTime > 0
// (a frame was presented). Then the same with a warm cache (a second load in the context).
// The watch page is loaded directly when the server answers /watch/{id} (the streaming
// plugin's page route); otherwise the app's start page is loaded with the path already set to
// /watch/{id} (history.replaceState before the app runs), which is the same work.
// Prints one JSON line with medians and every sample. Content must be public and ready.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
// playwright-core comes from the test clients (scripts/install-node-deps.sh).
const require = createRequire(path.join(here, '..', '..', 'tests', 'node', 'package.json'));
const { chromium } = require('playwright-core');

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
if (!args.base || !args.id) {
  console.error('usage: first_frame.mjs --base URL --id CONTENT_ID [--runs N] [--chromium PATH]');
  process.exit(2);
}
const runs = Number(args.runs || 7);
const executablePath = args.chromium || process.env.SG_CHROMIUM || '/usr/bin/chromium';
if (!fs.existsSync(executablePath)) throw new Error(`no chromium at ${executablePath}`);
const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required'];

// page.waitForFunction evaluates a string in the page, which the app's CSP refuses; poll
// page.evaluate instead (not subject to the page's CSP). 10 ms polling: the times are read
// from the page's own clock, so polling only bounds how soon the script notices.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function waitFor(page, fn, timeout = 20000) {
  const until = Date.now() + timeout;
  while (!(await page.evaluate(fn))) {
    if (Date.now() > until) throw new Error(`timed out: ${fn}`);
    await sleep(10);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null;
};

const browser = await chromium.launch({ executablePath, args: LAUNCH_ARGS, headless: true });
const watchPath = `/watch/${args.id}`;
const direct = await (async () => {
  const ctx = await browser.newContext();
  const res = await (await ctx.newPage()).goto(`${args.base}${watchPath}`);
  await ctx.close();
  return res.status() === 200;
})();

async function load(page) {
  await page.addInitScript(({ watch, viaStart }) => {
    if (viaStart && location.pathname === '/') history.replaceState({}, '', watch);
    const t = { playing: null, frame: null };
    window.__ff = t;
    // First frame: the first video frame presented after playback started
    // (requestVideoFrameCallback), else the first timeupdate with currentTime > 0.
    document.addEventListener('playing', (e) => {
      if (t.playing !== null) return;
      t.playing = performance.now();
      const v = e.target;
      if (typeof v.requestVideoFrameCallback === 'function') {
        const onFrame = (now, meta) => {
          if (meta.mediaTime > 0 || v.currentTime > 0) t.frame ??= performance.now();
          else v.requestVideoFrameCallback(onFrame);
        };
        v.requestVideoFrameCallback(onFrame);
      }
    }, true);
    document.addEventListener('timeupdate', (e) => {
      if (t.frame === null && e.target.currentTime > 0 && typeof e.target.requestVideoFrameCallback !== 'function') t.frame = performance.now();
    }, true);
  }, { watch: watchPath, viaStart: !direct });
  await page.goto(direct ? `${args.base}${watchPath}` : `${args.base}/`);
  await waitFor(page, () => window.__ff.playing !== null && window.__ff.frame !== null);
  // The app's own marks (performance.mark in web/src/watch.js): where the time went.
  return page.evaluate(() => ({ ...window.__ff, marks: Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, Math.round(m.startTime)])) }));
}

function weight(entries) {
  const pick = entries.filter((e) => e.entryType === 'navigation' || e.initiatorType === 'script' || e.initiatorType === 'link' || /\.(js|css)$/.test(new URL(e.name).pathname));
  return {
    files: pick.map((e) => new URL(e.name).pathname),
    decodedBytes: pick.reduce((a, e) => a + e.decodedBodySize, 0),
    transferBytes: pick.reduce((a, e) => a + e.transferSize, 0),
  };
}

async function pageWeight(url, wait) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  if (!direct && url.endsWith(watchPath)) {
    await page.addInitScript((w) => {
      if (location.pathname === '/') history.replaceState({}, '', w);
    }, watchPath);
    url = `${args.base}/`;
  }
  await page.goto(url);
  await waitFor(page, wait);
  const entries = await page.evaluate(() => [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].map((e) => e.toJSON()));
  await ctx.close();
  return weight(entries);
}

const result = { base: args.base, id: args.id, watchLoadedDirectly: direct, runs, browser: browser.version() };
result.weightStart = await pageWeight(`${args.base}/`, () => document.querySelector('#main section'));
result.weightWatch = await pageWeight(`${args.base}${watchPath}`, () => document.querySelector('.player video')?.currentTime > 0);
const cold = [];
const warm = [];
for (let i = 0; i < runs; i += 1) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  cold.push(await load(page));
  const again = await ctx.newPage(); // same context: HTTP cache warm (immutable assets)
  warm.push(await load(again));
  await ctx.close();
}
await browser.close();
result.coldPlayingMs = median(cold.map((t) => t.playing));
result.coldFirstFrameMs = median(cold.map((t) => t.frame));
result.warmPlayingMs = median(warm.map((t) => t.playing));
result.warmFirstFrameMs = median(warm.map((t) => t.frame));
result.samples = { cold, warm };
console.log(JSON.stringify(result));
