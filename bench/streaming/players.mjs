// N simulated players against StreamGate's /stream route: each player keeps one keep-alive
// connection and fetches the next segment of one rung every --interval seconds (a player's
// steady-state pattern), starting at a random offset within the first interval so the load
// is spread evenly. Prints one JSON object: requests, errors, latency (time to the last body
// byte) p50/p99/max, connections opened, and the server's VmRSS/VmHWM before, peak and after.
//
//   node bench/streaming/players.mjs --base http://127.0.0.1:8080 --id <content id> \
//     --rung 1080p --segments 6 --token <playback token> [--players 1000] [--seconds 60] \
//     [--interval 4] [--pid <streamgate pid>] [--shared-agent]
//
// Default: one http.Agent per player (keepAlive, maxSockets 1), so N players really are N
// concurrent connections. --shared-agent uses one Agent({keepAlive, maxSockets: N}) for all
// players instead; at ~N/interval req/s only as many sockets as requests in flight get opened.
import http from 'node:http';
import fs from 'node:fs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : 'true']);
    return acc;
  }, []),
);
const base = new URL(args.base ?? 'http://127.0.0.1:8080');
const players = Number(args.players ?? 1000);
const seconds = Number(args.seconds ?? 60);
const interval = Number(args.interval ?? 4) * 1000;
const segments = Number(args.segments ?? 1);
const pid = args.pid ? Number(args.pid) : null;
const shared = args['shared-agent'] === 'true';
for (const k of ['id', 'rung', 'token']) if (!args[k]) throw new Error(`--${k} is required`);

function memory() {
  if (!pid) return null;
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number((s.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm')) || [0, NaN])[1]);
  return { VmRSS_kB: kb('VmRSS'), VmHWM_kB: kb('VmHWM'), threads: kb('Threads') };
}

const before = memory();
let peakRss = before ? before.VmRSS_kB : null;
const sampler = pid
  ? setInterval(() => { const m = memory(); if (m.VmRSS_kB > peakRss) peakRss = m.VmRSS_kB; }, 500)
  : null;

const sharedAgent = new http.Agent({ keepAlive: true, maxSockets: players, maxFreeSockets: players });
let connections = 0;
const lat = [];
const errors = {};
let bytes = 0, requests = 0, inflightMax = 0, inflight = 0;
const addError = (k) => { errors[k] = (errors[k] ?? 0) + 1; };

function get(agent, path) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    inflight++; if (inflight > inflightMax) inflightMax = inflight;
    const req = http.get({ host: base.hostname, port: base.port, path, agent }, (res) => {
      let n = 0;
      res.on('data', (c) => { n += c.length; });
      res.on('end', () => {
        inflight--;
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (res.statusCode !== 200) addError(`status_${res.statusCode}`);
        else if (res.headers['content-length'] && Number(res.headers['content-length']) !== n) addError('short_body');
        else { lat.push(ms); bytes += n; }
        requests++;
        resolve();
      });
      res.on('error', (e) => { inflight--; addError(e.code ?? 'response_error'); requests++; resolve(); });
    });
    req.setTimeout(30000, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (e) => { inflight--; addError(e.code ?? 'request_error'); requests++; resolve(); });
  });
}

const start = Date.now();
const end = start + seconds * 1000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function player(i) {
  const agent = shared ? sharedAgent : new http.Agent({ keepAlive: true, maxSockets: 1 });
  if (!shared) agent.on('free', () => {});
  let seg = i % segments;
  let next = start + Math.random() * interval;
  for (;;) {
    const wait = next - Date.now();
    if (next >= end) break;
    if (wait > 0) await sleep(wait);
    const n = String(seg + 1).padStart(5, '0');
    await get(agent, `/stream/${args.id}/${args.rung}/seg-${n}.m4s?token=${encodeURIComponent(args.token)}`);
    seg = (seg + 1) % segments;
    next += interval;
  }
  if (!shared) agent.destroy();
}

// Count TCP connections the client opened (one 'connect' per new socket).
const origCreate = http.Agent.prototype.createConnection;
http.Agent.prototype.createConnection = function (...a) {
  const s = origCreate.apply(this, a);
  connections++;
  return s;
};

let openNow = 0, openMax = 0;
const probe = setInterval(() => {
  // Established connections to the server port, seen from the client side of /proc/net/tcp.
  try {
    const port = Number(base.port).toString(16).toUpperCase().padStart(4, '0');
    const lines = fs.readFileSync('/proc/net/tcp', 'utf8').split('\n');
    openNow = lines.filter((l) => { const f = l.trim().split(/\s+/); return f[2] && f[2].endsWith(':' + port) && f[3] === '01'; }).length;
    if (openNow > openMax) openMax = openNow;
  } catch { /* ignore */ }
}, 2000);

await Promise.all(Array.from({ length: players }, (_, i) => player(i)));
const tEnd = Date.now();
clearInterval(probe);
if (sampler) clearInterval(sampler);
await sleep(1000);
const after = memory();
sharedAgent.destroy();

lat.sort((a, b) => a - b);
const q = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] : null);
const r3 = (x) => (x == null ? null : Math.round(x * 1000) / 1000);
const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
console.log(JSON.stringify({
  players, seconds, interval_s: interval / 1000, agent: shared ? `shared maxSockets ${players}` : 'one keepAlive agent per player',
  requests, ok: lat.length, errors: errorCount, error_kinds: errors,
  req_per_s: r3(requests / ((tEnd - start) / 1000)), MiB_per_s: r3(bytes / 1048576 / ((tEnd - start) / 1000)),
  latency_ms: { p50: r3(q(50)), p90: r3(q(90)), p99: r3(q(99)), max: r3(lat[lat.length - 1]) },
  connections_opened: connections, established_max: openMax, inflight_max: inflightMax,
  server_memory: { before, peak_VmRSS_kB: peakRss, after },
}, null, 2));
