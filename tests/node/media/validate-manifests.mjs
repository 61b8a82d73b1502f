#!/usr/bin/env node
// Offline check of one transcode's output folder, as players read it:
//   node validate-manifests.mjs <media_dir>
// master.m3u8 and every media playlist go through hls.js's own M3U8Parser, manifest.mpd
// through dash.js (MediaPlayer.retrieveManifest, i.e. its ManifestLoader + DashParser) after a
// strict XML well-formedness check (@xmldom/xmldom; dash.js's own parser is lenient). Then:
// every referenced file exists (and is not empty), HLS and DASH describe the same renditions
// (matched by their init segment file) with the same segment files in the same order and the
// same durations, plus the RFC 8216 rules players rely on. Every problem is printed; exit 1
// if there is any, 2 on bad usage; on success a JSON summary goes to stdout.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { DOMParser } from '@xmldom/xmldom';
import { M3U8Parser, PlaylistLevelType } from 'hls.js';

const problems = [];
const problem = (msg) => problems.push(msg);

// HLS prints durations to the microsecond; DASH timelines are exact ticks.
const DURATION_TOLERANCE_S = 1e-6 + 1e-9;

function fileOf(url) {
  return url.startsWith('file:') ? fileURLToPath(url) : null;
}

// Messages name files relative to the media folder.
let mediaDir = '.';
const label = (p) => (p ? path.relative(mediaDir, p) || '.' : String(p));

function checkFile(p, what) {
  if (!p) return problem(`${what}: not a local file reference`);
  let st;
  try {
    st = fs.statSync(p);
  } catch {
    return problem(`${what}: missing file ${label(p)}`);
  }
  if (!st.isFile()) problem(`${what}: not a file ${label(p)}`);
  else if (st.size === 0) problem(`${what}: empty file ${label(p)}`);
}

function readText(p, what) {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch (e) {
    problem(`${what}: cannot read ${label(p)} (${e.code ?? e.message})`);
    return null;
  }
}

// ---- HLS -----------------------------------------------------------------------------------

// Rules hls.js tolerates but RFC 8216 (and stricter players such as AVPlayer) do not.
function strictMediaChecks(text, details, where) {
  const lines = text.split(/\r?\n/);
  if (lines[0] !== '#EXTM3U') problem(`${where}: first line is not #EXTM3U`);
  const version = Number((text.match(/^#EXT-X-VERSION:(\d+)$/m) ?? [])[1] ?? 1);
  if (/^#EXT-X-MAP:/m.test(text) && version < 6)
    problem(`${where}: EXT-X-MAP needs EXT-X-VERSION >= 6 (have ${version})`);
  if ((text.match(/^#EXT-X-TARGETDURATION:/gm) ?? []).length !== 1)
    problem(`${where}: needs exactly one EXT-X-TARGETDURATION`);
  if (!/^#EXT-X-ENDLIST$/m.test(text)) problem(`${where}: no EXT-X-ENDLIST (not a finished VOD)`);
  if (details.type !== 'VOD') problem(`${where}: PLAYLIST-TYPE is ${details.type}, want VOD`);
  if (details.live) problem(`${where}: parsed as live`);
  // RFC 8216 4.3.3.1: each EXTINF rounded to the nearest integer <= TARGETDURATION.
  for (const f of details.fragments)
    if (Math.round(f.duration) > details.targetduration)
      problem(`${where}: segment ${f.sn} lasts ${f.duration}s > TARGETDURATION ${details.targetduration}`);
  details.fragments.forEach((f, i) => {
    if (i > 0 && f.sn !== details.fragments[i - 1].sn + 1)
      problem(`${where}: media sequence jumps from ${details.fragments[i - 1].sn} to ${f.sn}`);
  });
}

function readMediaPlaylist(url, type, where) {
  const file = fileOf(url);
  checkFile(file, where);
  const text = file && fs.existsSync(file) ? readText(file, where) : null;
  if (text === null) return null;
  const details = M3U8Parser.parseLevelPlaylist(text, url, 0, type, 0, null);
  if (details.playlistParsingError) {
    problem(`${where}: hls.js: ${details.playlistParsingError.message}`);
    return null;
  }
  if (details.fragments.length === 0) {
    problem(`${where}: no segments`);
    return null;
  }
  strictMediaChecks(text, details, where);
  const segments = details.fragments.map((f) => {
    checkFile(fileOf(f.url), `${where} segment ${f.sn}`);
    return { file: fileOf(f.url), duration: f.duration };
  });
  const inits = new Set(details.fragments.map((f) => f.initSegment?.url));
  if (inits.has(undefined)) problem(`${where}: a segment has no EXT-X-MAP`);
  if (inits.size > 1) problem(`${where}: ${inits.size} different init segments`);
  const init = fileOf([...inits][0] ?? '');
  checkFile(init, `${where} init`);
  return { playlist: file, init, segments, duration: details.totalduration };
}

function readHls(dir) {
  const masterPath = path.join(dir, 'master.m3u8');
  checkFile(masterPath, 'master.m3u8');
  const text = fs.existsSync(masterPath) ? readText(masterPath, 'master.m3u8') : null;
  if (text === null) return null;
  const url = pathToFileURL(masterPath).href;
  const parsed = M3U8Parser.parseMasterPlaylist(text, url);
  if (parsed.playlistParsingError) {
    problem(`master.m3u8: hls.js: ${parsed.playlistParsingError.message}`);
    return null;
  }
  if (!/^#EXTM3U\r?\n/.test(text)) problem('master.m3u8: first line is not #EXTM3U');
  const media = M3U8Parser.parseMasterPlaylistMedia(text, url, parsed);
  const audioGroups = new Set((media.AUDIO ?? []).map((t) => t.groupId));

  const renditions = new Map(); // playlist file -> rendition (a playlist is read once)
  const variants = [];
  for (const [i, level] of parsed.levels.entries()) {
    const where = `master.m3u8 variant ${i + 1}`;
    const a = level.attrs;
    if (!a.BANDWIDTH) problem(`${where}: no BANDWIDTH`);
    if (a['AVERAGE-BANDWIDTH'] && Number(a['AVERAGE-BANDWIDTH']) > Number(a.BANDWIDTH))
      problem(`${where}: AVERAGE-BANDWIDTH above BANDWIDTH`);
    if (!a.CODECS) problem(`${where}: no CODECS`);
    if (a.AUDIO && !audioGroups.has(a.AUDIO)) problem(`${where}: AUDIO group "${a.AUDIO}" not defined`);
    const file = fileOf(level.url);
    if (!renditions.has(file))
      renditions.set(file, readMediaPlaylist(level.url, PlaylistLevelType.MAIN, label(file)));
    variants.push({
      uri: level.url,
      bandwidth: Number(a.BANDWIDTH),
      codecs: a.CODECS,
      resolution: a.RESOLUTION,
    });
  }
  for (const t of media.AUDIO ?? []) {
    if (!t.url) continue; // an audio rendition muxed into the variants has no URI
    const file = fileOf(t.url);
    if (!renditions.has(file))
      renditions.set(file, readMediaPlaylist(t.url, PlaylistLevelType.AUDIO, label(file)));
  }
  return { variants, renditions: [...renditions.values()].filter(Boolean) };
}

// ---- DASH ----------------------------------------------------------------------------------

// dash.js is a browser library; these are the few globals it touches while loading and parsing
// a manifest (none of them takes part in parsing). Its manifest request goes through
// XMLHttpRequest, answered here from disk.
async function loadDashjs() {
  globalThis.window ??= globalThis;
  if (!globalThis.navigator)
    Object.defineProperty(globalThis, 'navigator', { value: { userAgent: 'node' }, configurable: true });
  globalThis.document ??= {
    documentElement: {},
    createElement: () => ({ style: {} }),
    addEventListener() {},
    removeEventListener() {},
  };
  globalThis.getComputedStyle ??= () => ({});
  globalThis.addEventListener ??= () => {};
  globalThis.removeEventListener ??= () => {};
  globalThis.MediaSource ??= class { static isTypeSupported() { return true; } };
  globalThis.XMLHttpRequest = class FileXHR {
    open(method, url) { this.url = url; }
    setRequestHeader() {}
    getAllResponseHeaders() { return ''; }
    abort() {}
    send() {
      setImmediate(() => {
        this.responseURL = this.url;
        try {
          this.response = this.responseText = fs.readFileSync(fileURLToPath(this.url), 'utf8');
          this.status = 200;
          this.statusText = 'OK';
        } catch (e) {
          this.status = 404;
          this.statusText = e.code ?? 'error';
          this.response = null;
        }
        const ev = { loaded: 1, total: 1, lengthComputable: true };
        this.onprogress?.(ev);
        this.onload?.(ev);
        this.onloadend?.(ev);
      });
    }
  };
  const { default: dashjs } = await import('dashjs');
  return dashjs;
}

const asArray = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

// $RepresentationID$, $Number[%0Nd]$, $Bandwidth$, $Time$ and $$ (ISO/IEC 23009-1 5.3.9.4.4).
function fillTemplate(template, vars) {
  const id = /\$(RepresentationID|Number|Bandwidth|Time|)(?:%0(\d+)d)?\$/g;
  return template.replace(id, (all, name, width) => {
    if (name === '') return '$';
    const v = String(vars[name]);
    return width ? v.padStart(Number(width), '0') : v;
  });
}

async function readDash(dir) {
  const mpdPath = path.join(dir, 'manifest.mpd');
  checkFile(mpdPath, 'manifest.mpd');
  if (!fs.existsSync(mpdPath)) return null;
  // Browsers and most players parse MPDs with a strict XML parser; dash.js would accept more.
  let xmlError = null;
  try {
    new DOMParser({
      onError: (level, msg) => {
        if (level !== 'warning') xmlError ??= msg;
      },
    }).parseFromString(fs.readFileSync(mpdPath, 'utf8'), 'application/xml');
  } catch (e) {
    xmlError ??= e.message; // fatal errors also throw
  }
  if (xmlError) {
    problem(`manifest.mpd: not well-formed XML: ${String(xmlError).split('\n')[0]}`);
    return null;
  }
  const dashjs = await loadDashjs();
  const player = dashjs.MediaPlayer().create();
  player.updateSettings({ debug: { logLevel: dashjs.Debug.LOG_LEVEL_NONE } });
  player.initialize();
  const mpd = await new Promise((resolve) =>
    player.retrieveManifest(pathToFileURL(mpdPath).href, (manifest, error) => {
      if (error || !manifest) problem(`manifest.mpd: dash.js: ${error?.message ?? JSON.stringify(error)}`);
      resolve(error ? null : manifest);
    }),
  );
  if (!mpd) return null;
  if (!mpd.Period) {
    problem('manifest.mpd: dash.js found no MPD with a Period');
    return null;
  }
  if (mpd.type !== 'static') problem(`manifest.mpd: type is ${mpd.type}, want static`);
  if (!(mpd.mediaPresentationDuration > 0)) problem('manifest.mpd: no mediaPresentationDuration');
  const mpdDuration = mpd.mediaPresentationDuration;
  const periods = asArray(mpd.Period);
  if (periods.length !== 1) problem(`manifest.mpd: ${periods.length} Periods, want 1`);
  if (mpd.BaseURL || periods.some((p) => p.BaseURL))
    problem('manifest.mpd: BaseURL is not used by this layout');

  const renditions = [];
  for (const as of asArray(periods[0]?.AdaptationSet)) {
    for (const rep of asArray(as.Representation)) {
      const where = `manifest.mpd Representation ${rep.id}`;
      if (!(rep.bandwidth > 0)) problem(`${where}: no bandwidth`);
      if (!(rep.codecs ?? as.codecs)) problem(`${where}: no codecs`);
      const st = rep.SegmentTemplate ?? as.SegmentTemplate;
      if (!st) {
        problem(`${where}: no SegmentTemplate`);
        continue;
      }
      const timescale = st.timescale ?? 1;
      const startNumber = st.startNumber ?? 1;
      const vars = { RepresentationID: rep.id, Bandwidth: rep.bandwidth };
      const init = path.join(dir, fillTemplate(st.initialization ?? '', vars));
      checkFile(init, `${where} init`);
      const segments = [];
      let t = 0;
      for (const s of asArray(st.SegmentTimeline?.S)) {
        if (s.t !== undefined) t = s.t;
        if (!(s.d > 0)) problem(`${where}: S without a positive d`);
        if ((s.r ?? 0) < 0) problem(`${where}: open-ended S@r in a static MPD`);
        for (let k = 0; k <= Math.max(0, s.r ?? 0); ++k) {
          const number = startNumber + segments.length;
          const file = path.join(dir, fillTemplate(st.media ?? '', { ...vars, Number: number, Time: t }));
          checkFile(file, `${where} segment ${number}`);
          segments.push({ file, duration: s.d / timescale });
          t += s.d;
        }
      }
      if (segments.length === 0) problem(`${where}: no SegmentTimeline segments`);
      const end = t / timescale;
      if (end > mpd.mediaPresentationDuration + 0.001)
        problem(`${where}: ends at ${end}s, after mediaPresentationDuration ${mpdDuration}s`);
      renditions.push({
        id: rep.id,
        contentType: as.contentType,
        bandwidth: rep.bandwidth,
        init,
        segments,
        duration: end,
      });
    }
  }
  const longest = Math.max(0, ...renditions.map((r) => r.duration));
  if (Math.abs(longest - mpd.mediaPresentationDuration) > 0.001)
    problem(
      `manifest.mpd: mediaPresentationDuration ${mpdDuration}s but the longest Representation lasts ${longest}s`,
    );
  return { duration: mpd.mediaPresentationDuration, renditions };
}

// ---- both ----------------------------------------------------------------------------------

function crossCheck(hls, dash) {
  const byInit = new Map(dash.renditions.map((r) => [r.init, r]));
  for (const h of hls.renditions) {
    const where = label(h.playlist);
    const d = byInit.get(h.init);
    if (!d) {
      problem(`${where}: its init segment ${label(h.init)} is in no DASH Representation`);
      continue;
    }
    byInit.delete(h.init);
    h.dashId = d.id;
    if (h.segments.length !== d.segments.length) {
      problem(
        `${where}: ${h.segments.length} segments in HLS, ${d.segments.length} in DASH Representation ${d.id}`,
      );
      continue;
    }
    h.segments.forEach((s, i) => {
      if (s.file !== d.segments[i].file)
        problem(
          `${where}: segment ${i + 1} is ${label(s.file)} in HLS, ${label(d.segments[i].file)} in DASH`,
        );
      if (Math.abs(s.duration - d.segments[i].duration) > DURATION_TOLERANCE_S)
        problem(`${where}: segment ${i + 1} lasts ${s.duration}s in HLS, ${d.segments[i].duration}s in DASH`);
    });
  }
  for (const d of byInit.values())
    problem(`manifest.mpd Representation ${d.id}: no HLS media playlist uses its init segment`);
}

async function main() {
  const dir = process.argv[2];
  if (!dir || process.argv.length > 3) {
    console.error('usage: node validate-manifests.mjs <media_dir>');
    process.exit(2);
  }
  const abs = path.resolve(dir);
  mediaDir = abs;
  const hls = readHls(abs);
  const dash = await readDash(abs);
  if (hls && dash) crossCheck(hls, dash);
  if (problems.length) {
    console.error(`${abs}: ${problems.length} problem(s)`);
    for (const p of problems) console.error(`  - ${p}`);
    process.exit(1);
  }
  console.log(
    JSON.stringify(
      {
        ok: true,
        dir: abs,
        duration: dash.duration,
        variants: hls.variants.map((v) => ({ ...v, uri: label(fileOf(v.uri)) })),
        renditions: dash.renditions.map((d) => ({
          id: d.id,
          contentType: d.contentType,
          segments: d.segments.length,
          duration: Number(d.duration.toFixed(6)),
          dashBandwidth: d.bandwidth,
          hlsPlaylist: label(hls.renditions.find((h) => h.dashId === d.id).playlist),
        })),
      },
      null,
      2,
    ),
  );
  // dash.js leaves timers behind; the answer is complete.
  process.exit(0);
}

main().catch((e) => {
  console.error(`validate-manifests: ${e.stack ?? e}`);
  process.exit(1);
});
