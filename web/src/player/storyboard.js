// Seek-bar previews from the transcoder's storyboard: a WebVTT file whose cues name a region
// of a sprite image ("storyboard.jpg?token=…#xywh=x,y,w,h"). Image URLs resolve against the
// VTT's own URL (the streaming plugin adds the playback token to them).

function parseTime(t) {
  const parts = t.trim().split(':').map(Number);
  if (parts.some((x) => !Number.isFinite(x))) return NaN;
  return parts.reduce((acc, x) => acc * 60 + x, 0);
}

export function parseStoryboardVtt(text, baseUrl) {
  const cues = [];
  const blocks = text.replace(/\r\n?/g, '\n').split(/\n\n+/);
  for (const block of blocks) {
    const lines = block.split('\n').filter(Boolean);
    const timing = lines.findIndex((l) => l.includes('-->'));
    if (timing < 0 || !lines[timing + 1]) continue;
    const [from, to] = lines[timing].split('-->').map((s) => parseTime(s.split(/\s+/).filter(Boolean)[0] || ''));
    const target = lines[timing + 1].trim();
    const hash = target.indexOf('#xywh=');
    if (hash < 0 || !Number.isFinite(from) || !Number.isFinite(to)) continue;
    const [x, y, w, hgt] = target.slice(hash + 6).split(',').map(Number);
    if (![x, y, w, hgt].every(Number.isFinite)) continue;
    cues.push({ from, to, url: new URL(target.slice(0, hash), baseUrl).href, x, y, w, h: hgt });
  }
  return cues;
}

export async function loadStoryboard(vttUrl) {
  if (!vttUrl) return [];
  const absolute = new URL(vttUrl, location.href).href;
  const res = await fetch(absolute, { credentials: 'same-origin' });
  if (!res.ok) return [];
  return parseStoryboardVtt(await res.text(), absolute);
}

export function cueAt(cues, time) {
  // Cues are few (hundreds at most): a linear scan is fine.
  return cues.find((c) => time >= c.from && time < c.to) || (cues.length && time >= cues[cues.length - 1].from ? cues[cues.length - 1] : null);
}
