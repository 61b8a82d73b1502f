// Builds the web app into web/dist: esbuild bundles src/main.js (ES modules, code split so the
// players load only on the watch page) and src/styles.css with content-hashed names under
// dist/assets/, then writes dist/index.html from src/index.html with those absolute URLs.
// Nothing is fetched at build or run time: every byte comes from the pinned node_modules.
//
//   node build.mjs [--outdir DIR] [--dev]      (--dev: no minification, inline source maps)
import { build } from 'esbuild';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const dev = args.includes('--dev');
const outIndex = args.indexOf('--outdir');
const outdir = path.resolve(outIndex >= 0 ? args[outIndex + 1] : path.join(here, 'dist'));
const assets = path.join(outdir, 'assets');

// A fresh folder each time: stale hashed files would otherwise pile up.
const staging = `${outdir}.tmp-${process.pid}`;
await fs.rm(staging, { recursive: true, force: true });

const result = await build({
  absWorkingDir: here,
  entryPoints: { app: 'src/main.js', 'app-style': 'src/styles.css' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome100', 'firefox100', 'safari15'],
  outdir: path.join(staging, 'assets'),
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  assetNames: '[name]-[hash]',
  publicPath: '/assets',
  minify: !dev,
  sourcemap: dev ? 'inline' : false,
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': dev ? '"development"' : '"production"' },
});

// Entry outputs: app-<hash>.js and app-style-<hash>.css, renamed app-<hash>.css for the
// conventional name (esbuild needs distinct entry names for the two).
let js = null;
let css = null;
for (const [file, meta] of Object.entries(result.metafile.outputs)) {
  if (meta.entryPoint === 'src/main.js') js = path.basename(file);
  if (meta.entryPoint === 'src/styles.css' && file.endsWith('.css')) css = path.basename(file);
}
if (!js || !css) throw new Error('esbuild produced no app bundle or stylesheet');
const cssName = css.replace(/^app-style-/, 'app-');
await fs.rename(path.join(staging, 'assets', css), path.join(staging, 'assets', cssName));
// The CSS entry also emits an empty JS stub; drop it.
for (const f of await fs.readdir(path.join(staging, 'assets'))) {
  if (f.startsWith('app-style-') && f.endsWith('.js')) await fs.rm(path.join(staging, 'assets', f));
}

const template = await fs.readFile(path.join(here, 'src', 'index.html'), 'utf8');
if (!template.includes('<!--sg:head-->')) throw new Error('src/index.html lost its <!--sg:head--> marker');
const html = template
  .replace('{{app.css}}', `/assets/${cssName}`)
  .replace('{{app.js}}', `/assets/${js}`);
await fs.writeFile(path.join(staging, 'index.html'), html);

await fs.rm(outdir, { recursive: true, force: true });
await fs.rename(staging, outdir);

let total = Buffer.byteLength(html);
for (const f of await fs.readdir(assets)) total += (await fs.stat(path.join(assets, f))).size;
console.log(`web: built ${path.relative(process.cwd(), outdir) || '.'} (${js}, ${cssName}; ${total} bytes)`);
