// Opens N idle GET /api/v1/events streams (raw sockets, one signed-in owner), waits
// IDLE_SECONDS while the server only sends heartbeats, then creates one content record and
// times how long until every stream has received its content.created event.
//   node streams.mjs <base url> <session token> <N> <idle seconds>
// Prints one JSON line: {opened, failed, open_ms, fanout_ms, received}.
import net from 'node:net';

const [base, token, nArg, idleArg] = process.argv.slice(2);
const url = new URL(base);
const N = Number(nArg || 1000);
const IDLE = Number(idleArg || 30);

function open() {
  return new Promise((resolve) => {
    const s = net.connect(Number(url.port), url.hostname);
    const st = { socket: s, text: '', ok: false, got: 0 };
    s.setEncoding('latin1');
    s.on('connect', () =>
      s.write(`GET /api/v1/events HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${token}\r\n` +
              'Accept: text/event-stream\r\n\r\n'));
    s.on('data', (d) => {
      st.text += d;
      if (!st.ok && st.text.includes('retry: 3000')) { st.ok = true; resolve(st); }
      if (st.text.includes('content.created') && !st.got) st.got = performance.now();
      if (st.text.length > 65536) st.text = st.text.slice(-4096);
    });
    s.on('error', () => resolve(st));
    setTimeout(() => resolve(st), 20000);
  });
}

const t0 = performance.now();
const streams = [];
for (let i = 0; i < N; i += 200) {
  const batch = [];
  for (let j = i; j < Math.min(N, i + 200); ++j) batch.push(open());
  streams.push(...(await Promise.all(batch)));
}
const openMs = performance.now() - t0;
const opened = streams.filter((s) => s.ok).length;
console.error(`opened ${opened}/${N} in ${openMs.toFixed(0)} ms; idle ${IDLE} s`);
await new Promise((r) => setTimeout(r, IDLE * 1000));

const t1 = performance.now();
const res = await fetch(new URL('/api/v1/content', base), {
  method: 'POST',
  headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
  body: JSON.stringify({ title: 'fan-out' }),
});
if (res.status !== 201) throw new Error(`create: ${res.status}`);
const deadline = performance.now() + 20000;
while (streams.filter((s) => s.ok && s.got).length < opened && performance.now() < deadline)
  await new Promise((r) => setTimeout(r, 5));
const received = streams.filter((s) => s.ok && s.got);
const fanout = Math.max(...received.map((s) => s.got)) - t1;
console.log(JSON.stringify({ opened, failed: N - opened, open_ms: Math.round(openMs),
                             fanout_ms: Math.round(fanout), received: received.length }));
for (const s of streams) s.socket.destroy();
