// The watch page /watch/{id}: asks /api/v1/content/{id}/playback for the decision and the
// URLs, then plays with hls.js (default), dash.js (selectable) or the browser's own HLS.
// Refusals become a panel that says what is needed: sign in (401), hold a token (403
// gate_denied with `required`), wait for processing (409), or try later (503).
import { api, ApiError } from './api.js';
import { signInButton } from './account.js';
import { clear, h } from './dom.js';
import { chainLabel, count, shortAddress } from './format.js';
import { notify } from './notice.js';
import { knownChains, session, signOut, signIn } from './session.js';
import { buildControls } from './player/controls.js';
import { availableEngines, createEngine, defaultEngine, hasMse } from './player/engines.js';
import { loadStoryboard } from './player/storyboard.js';

const ENGINE_KEY = 'sg.player';

function describeRequirement(req, chains) {
  if (!req) return 'This video is only for holders of a specific token.';
  const standard = req.standard === 'erc1155' ? 'ERC-1155' : 'ERC-721';
  const chain = req.chain_name ? `${req.chain_name} (chain ${req.chain_id})` : chainLabel(req.chain_id, chains);
  const min = Number(req.min_balance) || 1;
  const token = req.token_id !== null && req.token_id !== undefined && req.token_id !== ''
    ? (req.standard === 'erc721' ? ` token #${req.token_id}` : ` ${min > 1 ? `${min} × ` : ''}token #${req.token_id}`)
    : (min > 1 ? ` at least ${min} tokens` : ' a token');
  return `To watch, the wallet you sign in with must hold${token} of the ${standard} contract ${req.contract} on ${chain}.`;
}

function requirementFromGate(gate) {
  return gate ? { type: 'nft', ...gate } : null;
}

// Starts loading the default player's code (a separate chunk) ahead of the playback answer.
export function preload() {
  if (hasMse()) import('hls.js').catch(() => {});
}

export async function watchView(main, { id }) {
  let disposed = false;
  let player = null;
  let retryTimer = null;
  const root = h('div', { class: 'watch' });
  main.append(root);
  performance.mark('sg:watch-view');
  preload();
  // The record (title, description) and the playback decision are asked for at once.
  let firstPlayback = api.playback(id).then((value) => ({ value }), (error) => ({ error }));

  let record = null;
  try {
    record = await api.content(id);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      document.title = 'Not found · StreamGate';
      root.append(h('section', { class: 'panel' }, h('h1', {}, 'Video not found'),
        h('p', {}, 'It may have been deleted, or the link is wrong.'), h('a', { href: '/' }, 'Go to the start page')));
      return { dispose() {} };
    }
    // 401 for signed-in-only records: the playback answer below says what to do.
  }
  if (disposed) return null;
  const titleText = record?.title || 'Video';
  document.title = `${titleText} · StreamGate`;

  const header = h('div', { class: 'watch-head' }, h('h1', {}, titleText));
  const stage = h('div', { class: 'stage' });
  const about = h('section', { class: 'about', 'aria-label': 'About this video' });
  if (record?.description) about.append(h('p', { class: 'description' }, record.description));
  if (record?.tags?.length) about.append(h('ul', { class: 'tags', 'aria-label': 'Tags' }, record.tags.map((t) => h('li', {}, t))));
  // Views are the owner's statistics: shown only when the server hands them to this caller.
  const views = h('span', { 'data-testid': 'views' }, '');
  const viewsLine = h('p', { class: 'meta', hidden: true }, h('span', {}, views, ' views'));
  about.append(viewsLine);
  root.append(header, stage, about);
  api.stats(id).then((s) => {
    if (!Number.isFinite(s?.totals?.views)) return;
    views.textContent = count(s.totals.views);
    viewsLine.hidden = false;
  }).catch(() => {});

  async function check() {
    clearTimeout(retryTimer);
    clear(stage);
    stage.append(h('p', { class: 'muted', role: 'status' }, 'Checking access…'));
    let playback;
    try {
      if (firstPlayback) {
        const answer = await firstPlayback;
        performance.mark('sg:playback-answer');
        firstPlayback = null;
        if (answer.error) throw answer.error;
        playback = answer.value;
      } else {
        playback = await api.playback(id);
      }
    } catch (e) {
      if (!disposed) await refusal(e);
      return;
    }
    if (!disposed) await play(playback);
  }

  async function refusal(e) {
    clear(stage);
    const chains = await knownChains();
    const recheck = h('button', { type: 'button', class: 'secondary', 'data-action': 'recheck', onclick: check }, 'Check again');
    const panel = (heading, ...body) => h('section', { class: 'panel access-panel', role: 'region', 'aria-labelledby': 'access-heading', 'data-code': e.code },
      h('h2', { id: 'access-heading' }, heading), ...body);
    if (!(e instanceof ApiError)) {
      stage.append(panel('Something went wrong', h('p', {}, e.message), recheck));
      return;
    }
    if (e.code === 'not_ready') {
      const status = e.details.status;
      const pct = Number.isFinite(e.details.progress) ? ` (${Math.round(e.details.progress)} %)` : '';
      if (status === 'failed') {
        stage.append(panel('This video could not be processed', h('p', {}, e.details.reason || 'The transcode failed.')));
        return;
      }
      stage.append(panel(status === 'uploading' ? 'Still uploading' : `Being prepared${pct}`,
        h('p', {}, 'It plays as soon as it is ready; this page checks again by itself.'), recheck));
      retryTimer = setTimeout(check, 2500);
      return;
    }
    if (e.status === 401) {
      const gated = record?.visibility === 'token_gated' ? describeRequirement(requirementFromGate(record.gate), chains) : null;
      stage.append(panel('Sign in to watch',
        h('p', {}, gated || 'This video is for signed-in viewers. Sign in with your Ethereum wallet to watch it.'),
        h('div', { class: 'row-actions' }, session.user ? null : signInButton('Sign in to watch'), recheck)));
      return;
    }
    if (e.status === 403 && e.code === 'gate_denied') {
      const who = session.user ? h('p', {}, 'You are signed in as ', h('span', { class: 'address', title: session.user.address }, shortAddress(session.user.address)),
        e.details.balance !== undefined && e.details.balance !== null ? `, which holds ${e.details.balance} of it.` : '.') : null;
      const switchWallet = h('button', { type: 'button', class: 'primary', onclick: async () => {
        try {
          await signOut();
          await signIn();
        } catch (err) {
          notify(`Sign-in failed: ${err.message}`, 'error');
        }
      } }, 'Sign in with another wallet');
      stage.append(panel('This video is for token holders',
        h('p', { 'data-testid': 'requirement' }, describeRequirement(e.details.required, chains)),
        who,
        h('div', { class: 'row-actions' }, switchWallet, recheck)));
      return;
    }
    if (e.status === 503) {
      stage.append(panel('The ownership check is unavailable',
        h('p', {}, `${e.message}. Access is never granted without it; try again in a moment.`), recheck));
      return;
    }
    stage.append(panel('This video cannot be played', h('p', {}, e.message), recheck));
  }

  async function play(playback) {
    clear(stage);
    const video = h('video', { playsinline: true, preload: 'auto', 'aria-label': titleText });
    video.setAttribute('playsinline', '');
    if (playback.poster) video.poster = playback.poster;
    const box = h('div', { class: 'player', role: 'region', 'aria-label': 'Video player' }, video);
    stage.append(box);
    const engines = availableEngines(video);
    let engineName = defaultEngine(video, localStorage.getItem(ENGINE_KEY));
    if (!engineName) {
      stage.replaceChildren(h('section', { class: 'panel access-panel' }, h('h2', {}, 'This browser cannot play adaptive video'),
        h('p', {}, 'It has neither Media Source Extensions nor native HLS.')));
      return;
    }
    let current = playback;
    let recoveries = 0;
    const controls = buildControls({
      video,
      container: box,
      engines,
      engineName,
      onEngineChange: async (name) => {
        localStorage.setItem(ENGINE_KEY, name);
        const at = video.currentTime;
        const wasPlaying = !video.paused;
        player?.destroy();
        engineName = name;
        await start();
        video.addEventListener('loadedmetadata', () => {
          if (at > 0) video.currentTime = at;
          if (wasPlaying) video.play().catch(() => {});
        }, { once: true });
      },
    });
    box.append(controls.el);

    async function start() {
      player = await createEngine(engineName, video, current, {
        onLevels: () => controls.setLevels(player.levels(), () => player.level(), (i) => player.setLevel(i)),
        onError: async (err) => {
          // An expired playback token (401) is recovered with fresh URLs at the same position.
          if ((err.status === 401 || err.status === 403) && recoveries < 3) {
            recoveries += 1;
            try {
              current = await api.playback(id);
              player.reload(current, video.currentTime);
              return;
            } catch (e) {
              player?.destroy();
              player = null;
              await refusal(e);
              return;
            }
          }
          if (err.fatal) notify(`Playback error: ${err.message}`, 'error');
        },
      });
      box.dataset.engine = engineName;
    }
    await start();
    performance.mark('sg:engine-started');
    if (disposed) {
      player?.destroy();
      return;
    }
    loadStoryboard(playback.storyboard).then((cues) => controls.setCues(cues)).catch(() => {});
    // Autoplay with sound when the browser allows it (after a click in the app it does); else
    // muted (browsers allow that), with the Unmute button one tap away; else the Play button.
    video.play().catch((e) => {
      if (e?.name !== 'NotAllowedError' || disposed) return;
      video.muted = true;
      video.play().then(() => notify('Playing muted: press Unmute (or m) for sound.')).catch(() => {});
    });
    video.addEventListener('playing', () => {
      box.dataset.playing = 'true';
    }, { once: true });
    stopPlayer = () => {
      controls.dispose();
      player?.destroy();
      player = null;
    };
  }
  let stopPlayer = () => {};

  await check();
  return {
    dispose() {
      disposed = true;
      clearTimeout(retryTimer);
      stopPlayer();
    },
  };
}

