#!/usr/bin/env node
// Drives StreamGate's web app (web/dist served by a real streamgate) in headless Debian
// chromium through playwright-core, as a person would, and reports what happened:
//
//   node webapp.mjs --base http://127.0.0.1:PORT --clip FILE --owner-key 0x.. --holder-key 0x..
//                   --non-holder-key 0x.. --chain-id 1337 --erc721 0x.. --token-id 1
//                   --artifacts DIR [--timeout-ms 100000] [--chromium PATH]
//
// 1. no wallet: the start page says so (00-no-wallet.png)
// 2. the owner (an ethers Wallet behind an injected EIP-1193 provider) signs in with the
//    page's button (01-signed-in.png), uploads the clip through the file input with the upload
//    throttled so progress is visible, pauses and resumes it (02-uploading.png, 03-paused.png),
//    sees the status turn ready in the library (04-processing.png, 05-ready.png), opens the
//    watch page by clicking the title (pushState) and sees it play (06-playing.png)
// 3. the owner gates it behind the ERC-721 in the library's edit form (07-edit-gate.png,
//    08-gated.png)
// 4. a holder of the token signs in and plays it (09-holder-plays.png); a non-holder sees the
//    requirement panel (10-non-holder-denied.png); a visitor without a session is asked to
//    sign in (11-signed-out.png)
// Prints ONE JSON line: {ok, reason, steps:{...}, csp:[...], errors:[...], elapsedMs}.
// Exit 0 only when every step passed.
import fs from 'node:fs';
import path from 'node:path';
import { injectWallet } from './wallet.mjs';
import { installRecorders, recorded } from './observe.mjs';

const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];
const MOBILE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

const started = Date.now();
const out = { ok: false, steps: {}, csp: [], errors: [], screenshots: [], timeline: {} };
let printed = false;
function finish(code) {
  if (!printed) {
    printed = true;
    out.elapsedMs = Date.now() - started;
    process.stdout.write(`${JSON.stringify(out)}\n`);
  }
  process.exitCode = code;
}

function parseArgs(argv) {
  const o = { timeoutMs: 100000, tokenId: '1' };
  const names = { '--base': 'base', '--clip': 'clip', '--owner-key': 'ownerKey', '--holder-key': 'holderKey',
    '--non-holder-key': 'nonHolderKey', '--chain-id': 'chainId', '--erc721': 'erc721', '--token-id': 'tokenId',
    '--artifacts': 'artifacts', '--timeout-ms': 'timeoutMs', '--chromium': 'chromium' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = names[argv[i]];
    if (!key || i + 1 >= argv.length) throw new Error(`usage: bad argument ${argv[i]}`);
    o[key] = argv[i + 1];
  }
  for (const k of ['base', 'clip', 'ownerKey', 'holderKey', 'nonHolderKey', 'chainId', 'erc721', 'artifacts']) {
    if (!o[k]) throw new Error(`usage: --${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is required`);
  }
  o.chainId = Number(o.chainId);
  o.timeoutMs = Number(o.timeoutMs);
  return o;
}

function chromiumPath(explicit) {
  for (const c of explicit ? [explicit] : process.env.SG_CHROMIUM ? [process.env.SG_CHROMIUM] : ['/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  throw new Error('no chromium (apt-get install chromium, or set SG_CHROMIUM)');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// page.waitForFunction evaluates a string in the page, which the app's CSP (no
// 'unsafe-eval') refuses, rightly; page.evaluate of a function is not affected, so poll that.
async function waitFor(page, fn, arg, { timeout = 30000, polling = 100 } = {}) {
  const until = Date.now() + timeout;
  for (;;) {
    const value = await page.evaluate(fn, arg);
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeout} ms waiting for ${fn.toString().slice(0, 160)}`);
    await sleep(polling);
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  fs.mkdirSync(o.artifacts, { recursive: true });
  const deadline = started + o.timeoutMs;
  const left = () => Math.max(1000, deadline - Date.now());
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath(o.chromium), args: LAUNCH_ARGS, headless: true, timeout: 30000 });
  out.browserVersion = browser.version();
  const shot = async (page, name) => {
    out.timeline[name] = Date.now() - started; // where the time goes, for a slow run
    const file = path.join(o.artifacts, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    out.screenshots.push(file);
  };
  const watchPage = (page, who) => {
    page.on('pageerror', (e) => out.errors.push(`${who}: page error: ${e.message}`));
    page.on('console', (m) => {
      // HTTP error answers the app expects and handles (401 from /auth/me when signed out,
      // 403 gate_denied, 404 of a stats API the server lacks) are logged by the browser as
      // "Failed to load resource": not script errors.
      if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of (401|403|404|409)/.test(m.text())) {
        out.errors.push(`${who}: console: ${m.text()}`);
      }
    });
  };
  const newPage = async (who, viewport, key) => {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    watchPage(page, who);
    await installRecorders(page);
    const wallet = key ? await injectWallet(page, key, o.chainId) : null;
    return { context, page, wallet };
  };
  const collectCsp = async (page, who) => {
    const rec = await recorded(page);
    for (const v of rec?.csp || []) out.csp.push(`${who}: ${v}`);
  };
  const signIn = async (page, wallet) => {
    await page.goto(`${o.base}/`, { timeout: left() });
    await page.getByRole('button', { name: /sign in with/i }).first().click();
    const shown = page.locator('#account [data-address]');
    await shown.waitFor({ timeout: left() });
    return { title: await shown.getAttribute('title'), text: await shown.textContent(), chain: await page.locator('#account .chain').textContent(), walletAddress: wallet.address };
  };
  // A watch page: loaded directly when the server answers /watch/{id} (the streaming plugin's
  // page route), else through the app's own navigation (pushState) from the start page.
  const openWatch = async (page, id) => {
    const res = await page.goto(`${o.base}/watch/${id}`, { timeout: left() });
    if (res && res.status() === 200) return 'direct';
    await page.goto(`${o.base}/`, { timeout: left() });
    await page.evaluate((target) => {
      history.pushState({}, '', target);
      dispatchEvent(new PopStateEvent('popstate'));
    }, `/watch/${id}`);
    return 'pushState';
  };
  const waitPlaying = async (page, seconds) => {
    await waitFor(page, (s) => {
      const v = document.querySelector('.player video');
      return v && v.currentTime > s && !v.paused;
    }, seconds, { timeout: left(), polling: 100 });
    return page.evaluate(() => {
      const v = document.querySelector('.player video');
      return { currentTime: v.currentTime, engine: v.closest('.player').dataset.engine, videoWidth: v.videoWidth };
    });
  };

  // 1. No wallet in the browser.
  {
    const { page, context } = await newPage('no-wallet', MOBILE, null);
    await page.goto(`${o.base}/`, { timeout: left() });
    const msg = page.getByTestId('no-wallet');
    await msg.waitFor({ timeout: left() });
    out.steps.noWallet = { text: (await msg.textContent()).trim(), signInButtons: await page.getByRole('button', { name: /sign in/i }).count() };
    await shot(page, '00-no-wallet');
    await collectCsp(page, 'no-wallet');
    await context.close();
  }

  // 2. The owner: sign in, upload, watch it become ready, play it.
  const owner = await newPage('owner', MOBILE, o.ownerKey);
  const { page } = owner;
  out.steps.signIn = await signIn(page, owner.wallet);
  out.steps.signIn.walletCalls = owner.wallet.calls;
  await shot(page, '01-signed-in');

  const clipSize = fs.statSync(o.clip).size;
  // Throttle the upload (Chrome's network emulation) so it takes ~4 s: progress, speed and
  // pause/resume are then observable on loopback.
  const cdp = await owner.context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: Math.max(16 * 1024, Math.round(clipSize / 4)) });
  await page.locator('input[type="file"]').setInputFiles(o.clip);
  const row = page.locator('li.upload-row').first();
  const bar = row.locator('[data-testid="upload-progress"]');
  await waitFor(page, () => {
    const b = document.querySelector('[data-testid="upload-progress"]');
    return b && Number(b.dataset.value) > 15;
  }, null, { timeout: left(), polling: 50 });
  const statusMidway = (await row.locator('.upload-status').textContent()).trim();
  await shot(page, '02-uploading');
  await row.getByRole('button', { name: 'Pause' }).click();
  await row.getByRole('button', { name: 'Resume' }).waitFor({ timeout: left() });
  await sleep(300);
  const pausedAt = Number(await bar.getAttribute('data-value'));
  await sleep(1200);
  const stillAt = Number(await bar.getAttribute('data-value'));
  const pausedText = (await row.locator('.upload-status').textContent()).trim();
  await shot(page, '03-paused');
  await row.getByRole('button', { name: 'Resume' }).click();
  await waitFor(page, () => document.querySelector('li.upload-row')?.dataset.state, null, { timeout: left(), polling: 100 });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  const state = await row.getAttribute('data-state');
  const contentId = await row.getAttribute('data-content-id');
  const rec1 = await recorded(page);
  out.steps.upload = { clipSize, state, contentId, statusMidway, pausedAt, stillAt, pausedText, progressValues: rec1.progress, finalStatus: (await row.locator('.upload-status').textContent()).trim() };
  if (state !== 'done' || !contentId) throw new Error(`upload did not finish: ${JSON.stringify(out.steps.upload)}`);

  const card = page.locator(`li.card[data-content-id="${contentId}"]`);
  await card.waitFor({ timeout: left() });
  const firstStatus = await card.getAttribute('data-status');
  let shotProcessing = false;
  if (firstStatus !== 'ready') {
    await shot(page, '04-processing');
    shotProcessing = true;
  }
  await waitFor(page, (id) => document.querySelector(`li.card[data-content-id="${id}"]`)?.dataset.status === 'ready', contentId, { timeout: left(), polling: 100 });
  // The poster of a ready video (the browser loaded the image).
  await waitFor(page, (id) => {
    const img = document.querySelector(`li.card[data-content-id="${id}"] .poster img`);
    return img && img.complete && img.naturalWidth > 0;
  }, contentId, { timeout: 15000, polling: 100 }).catch(() => {});
  await shot(page, '05-ready');
  const rec2 = await recorded(page);
  out.steps.library = {
    firstStatus,
    statuses: [firstStatus, ...(rec2.statuses[contentId] || [])].filter((s, i, a) => i === 0 || s !== a[i - 1]),
    shotProcessing,
    liveMode: await page.getByTestId('live-mode').getAttribute('data-mode'),
    badge: (await card.getByTestId('status').textContent()).trim(),
    duration: (await card.locator('.duration').textContent()).trim(),
    views: (await card.getByTestId('views').textContent()).trim(),
    posterLoaded: await card.locator('.poster img').evaluate((img) => img.naturalWidth > 0).catch(() => false),
  };

  // Watch it: a click on the title navigates inside the app (pushState, no page load).
  const navBefore = await page.evaluate(() => performance.getEntriesByType('navigation').length + ':' + performance.timeOrigin);
  await card.locator('a.card-title').click();
  await page.waitForURL(`**/watch/${contentId}`, { timeout: left() });
  const played = await waitPlaying(page, 1.5);
  const navAfter = await page.evaluate(() => performance.getEntriesByType('navigation').length + ':' + performance.timeOrigin);
  const quality = await page.getByLabel('Quality').evaluate((s) => [...s.options].map((x) => x.textContent));
  const storyboardCues = Number(await page.locator('.seek-wrap').getAttribute('data-storyboard').catch(() => '0'));
  // Keyboard: k pauses, k plays again, m mutes.
  await page.locator('body').press('k');
  await waitFor(page, () => document.querySelector('.player video').paused, null, { timeout: 5000 });
  await page.locator('body').press('k');
  await waitFor(page, () => !document.querySelector('.player video').paused, null, { timeout: 5000 });
  const mutedBefore = await page.evaluate(() => document.querySelector('.player video').muted);
  await page.locator('body').press('m');
  const muted = (await page.evaluate(() => document.querySelector('.player video').muted)) !== mutedBefore;
  // Hovering the seek bar shows a storyboard tile.
  const seek = page.getByLabel('Seek');
  const box = await seek.boundingBox();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
  const preview = await page.locator('.preview').evaluate((p) => ({ visible: !p.hidden, cue: p.dataset.cue || null }));
  await shot(page, '06-playing');
  out.steps.play = { ...played, sameDocument: navBefore === navAfter, url: page.url(), quality, storyboardCues, mutedByKey: muted, preview };

  // 3. Gate it behind the ERC-721 through the library's edit form.
  await page.getByRole('link', { name: 'StreamGate' }).click();
  await card.waitFor({ timeout: left() });
  await card.getByRole('button', { name: /^Edit/ }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor({ timeout: left() });
  await dialog.getByLabel('Who can watch').selectOption('token_gated');
  const chainOptions = await dialog.getByLabel('Chain').evaluate((s) => [...s.options].map((x) => ({ value: x.value, text: x.textContent })));
  await dialog.getByLabel('Chain').selectOption(String(o.chainId));
  await dialog.getByLabel('Contract address').fill(o.erc721);
  await dialog.getByLabel('Token standard').selectOption('erc721');
  await dialog.getByLabel('Token ID').fill(o.tokenId);
  await dialog.getByLabel('Minimum balance').fill('1');
  await shot(page, '07-edit-gate');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.waitFor({ state: 'detached', timeout: left() });
  await waitFor(page, (id) => document.querySelector(`li.card[data-content-id="${id}"] .visibility`)?.textContent === 'NFT holders', contentId, { timeout: left() });
  await shot(page, '08-gated');
  out.steps.gate = { chainOptions, visibility: (await card.locator('.visibility').textContent()).trim() };
  await collectCsp(page, 'owner');
  await owner.context.close();

  // 4. A holder plays; a non-holder sees what is required; a visitor is asked to sign in.
  {
    const holder = await newPage('holder', DESKTOP, o.holderKey);
    out.steps.holder = { signIn: await signIn(holder.page, holder.wallet) };
    // Its ENS name (verified both ways by the server) replaces the short address.
    out.steps.holder.ens = await holder.page.locator('#account [data-ens]')
      .getAttribute('data-ens', { timeout: 10000 }).catch(() => null);
    out.steps.holder.via = await openWatch(holder.page, contentId);
    out.steps.holder.played = await waitPlaying(holder.page, 1.5);
    await shot(holder.page, '09-holder-plays');
    await collectCsp(holder.page, 'holder');
    await holder.context.close();
  }
  {
    const other = await newPage('non-holder', DESKTOP, o.nonHolderKey);
    out.steps.nonHolder = { signIn: await signIn(other.page, other.wallet) };
    out.steps.nonHolder.via = await openWatch(other.page, contentId);
    const panel = other.page.locator('.access-panel');
    await panel.waitFor({ timeout: left() });
    out.steps.nonHolder.code = await panel.getAttribute('data-code');
    out.steps.nonHolder.heading = (await panel.getByRole('heading').textContent()).trim();
    out.steps.nonHolder.requirement = (await other.page.getByTestId('requirement').textContent().catch(() => '')).trim();
    out.steps.nonHolder.buttons = await panel.getByRole('button').allTextContents();
    await shot(other.page, '10-non-holder-denied');
    await panel.getByRole('button', { name: 'Check again' }).click();
    await other.page.locator('.access-panel[data-code="gate_denied"]').waitFor({ timeout: left() });
    out.steps.nonHolder.recheckCode = await other.page.locator('.access-panel').getAttribute('data-code');
    out.steps.nonHolder.hasVideo = await other.page.locator('.player video').count();
    await collectCsp(other.page, 'non-holder');
    await other.context.close();
  }
  {
    const visitor = await newPage('visitor', MOBILE, null);
    out.steps.visitor = { via: await openWatch(visitor.page, contentId) };
    const panel = visitor.page.locator('.access-panel');
    await panel.waitFor({ timeout: left() });
    out.steps.visitor.code = await panel.getAttribute('data-code');
    out.steps.visitor.heading = (await panel.getByRole('heading').textContent()).trim();
    out.steps.visitor.text = (await panel.textContent()).trim();
    await shot(visitor.page, '11-signed-out');
    await collectCsp(visitor.page, 'visitor');
    await visitor.context.close();
  }
  // 5. The owner comes back and sees who watched: the library's views count (analytics).
  {
    const back = await newPage('owner-again', DESKTOP, o.ownerKey);
    out.steps.views = { signIn: await signIn(back.page, back.wallet) };
    const card = back.page.locator(`li.card[data-content-id="${contentId}"]`);
    await card.waitFor({ timeout: left() });
    await waitFor(back.page, (id) => {
      const v = document.querySelector(`li.card[data-content-id="${id}"] [data-testid="views"]`);
      return v && /^[0-9]+/.test(v.textContent.trim()) && Number.parseInt(v.textContent, 10) >= 2;
    }, contentId, { timeout: 15000, polling: 200 }).catch(() => {});
    out.steps.views.text = (await card.getByTestId('views').textContent()).trim();
    out.steps.views.liveMode = await back.page.getByTestId('live-mode').getAttribute('data-mode');
    await shot(back.page, '12-views');
    await collectCsp(back.page, 'owner-again');
    await back.context.close();
  }
  await browser.close();
  out.ok = true;
}

const timer = setTimeout(() => {
  out.reason = 'timed out';
  finish(1);
  process.exit(1);
}, Number(process.argv[process.argv.indexOf('--timeout-ms') + 1]) + 10000 || 110000);
main().then(() => {
  clearTimeout(timer);
  finish(out.ok ? 0 : 1);
  process.exit(process.exitCode);
}).catch((e) => {
  clearTimeout(timer);
  out.reason = e && e.stack ? e.stack.split('\n').slice(0, 4).join(' | ') : String(e);
  finish(1);
  process.exit(1);
});
