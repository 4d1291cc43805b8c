#!/usr/bin/env node
// Validates recorded exchanges against the API's documents (docs/api-contract.md):
//   node check.mjs [--openapi FILE] [--realtime FILE] [--min N] RECORDING...
//   --selftest DIR first checks the validator itself: DIR/good.jsonl must pass, and each
//   DIR/bad-*.jsonl and DIR/empty.jsonl must fail (so the check cannot pass by checking nothing).
// A RECORDING is a file of JSON lines, or a folder of *.jsonl files, as the C++ test clients
// write them (tests/support/contract_log.cpp) when PM_CONTRACT_LOG_DIR is set:
//   {"kind":"http", "method", "target", "raw", "request_headers", "status", "headers", "body", "test"}
//   {"kind":"ws", "direction":"server", "frame", "test"}
// Each HTTP exchange is matched to its operation in docs/openapi.yaml (or, for what belongs to no
// operation, to the root extension x-any-request): its status must be documented there, its
// Content-Type too, documented headers must hold their schema, and a JSON body must be valid
// against the documented schema, with objects closed (see closed()). Each server frame must be
// valid against ServerFrame of docs/realtime.schema.json. Exit 0 only when at least --min (default 1) HTTP exchanges were
// recorded and every exchange and frame is valid.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

// ---------- arguments
const args = process.argv.slice(2);
let openapiFile = path.join(root, 'docs/openapi.yaml');
let realtimeFile = path.join(root, 'docs/realtime.schema.json');
let minExchanges = 1;
let selftest = null;
const recordings = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--openapi') openapiFile = args[++i];
  else if (args[i] === '--realtime') realtimeFile = args[++i];
  else if (args[i] === '--min') minExchanges = Number(args[++i]);
  else if (args[i] === '--selftest') selftest = args[++i];
  else recordings.push(args[i]);
}
if (recordings.length === 0 && !selftest) {
  console.error('usage: check.mjs [--openapi FILE] [--realtime FILE] [--min N] [--selftest DIR] RECORDING...');
  process.exit(2);
}

// ---------- the documents
// Closed objects: a response may not carry a member its schema does not name. Every object schema
// that says nothing about other members gets `unevaluatedProperties: false`, except the schemas
// that others extend with allOf (Problem: RFC 9457 allows extension members; Match, which
// MatchDetail extends): those are closed by the schema that composes them. So a field the server
// sends and the document lacks fails, as a documented field the server lacks does (`required`).
function closed(original) {
  const copy = structuredClone(original);
  const extended = new Set();
  (function walk(o) {
    if (Array.isArray(o)) return o.forEach(walk);
    if (!o || typeof o !== 'object') return;
    if (Array.isArray(o.allOf)) for (const m of o.allOf) if (m && m.$ref) extended.add(m.$ref);
    Object.values(o).forEach(walk);
  })(copy);
  (function walk(o, pointer) {
    if (Array.isArray(o)) return o.forEach((x, i) => walk(x, `${pointer}/${i}`));
    if (!o || typeof o !== 'object') return;
    const objectSchema = (o.properties || o.allOf) && !('additionalProperties' in o) && !('unevaluatedProperties' in o);
    if (objectSchema && !extended.has(`#${pointer}`) && !pointer.includes('/allOf/')) o.unevaluatedProperties = false;
    for (const [k, v] of Object.entries(o)) walk(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
  })(copy, '');
  return copy;
}

const doc = YAML.parse(fs.readFileSync(openapiFile, 'utf8'));
const realtime = JSON.parse(fs.readFileSync(realtimeFile, 'utf8'));
const OPENAPI_ID = 'openapi.yaml'; // docs/realtime.schema.json refers to it by this relative name
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
for (const f of ['binary', 'double', 'float', 'int32', 'int64', 'byte']) ajv.addFormat(f, true);
ajv.addSchema({ ...closed(doc), $id: OPENAPI_ID });
ajv.addSchema(realtime, realtime.$id || 'realtime.schema.json');

const escapePointer = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1');
const validators = new Map();
function validatorAt(id, pointer) {
  const key = `${id}#${pointer}`;
  if (!validators.has(key)) validators.set(key, ajv.compile({ $ref: key }));
  return validators.get(key);
}

function deref(obj) {
  let seen = 0;
  while (obj && obj.$ref) {
    if (!obj.$ref.startsWith('#/') || ++seen > 10) throw new Error(`cannot follow ${obj.$ref}`);
    obj = obj.$ref.slice(2).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((o, k) => (o === undefined ? undefined : o[k]), doc);
  }
  return obj;
}
// The JSON pointer of the object a (possibly $ref) member resolves to.
function pointerOf(basePointer, obj) {
  while (obj && obj.$ref) {
    basePointer = obj.$ref.slice(1);
    obj = deref({ $ref: obj.$ref });
  }
  return basePointer;
}

// ---------- paths: the document's templates as regular expressions
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];
const templates = Object.keys(doc.paths).map((template) => {
  const item = doc.paths[template];
  const params = [...(item.parameters || [])];
  for (const m of METHODS) if (item[m]) params.push(...(item[m].parameters || []));
  const multi = new Set(params.map(deref).filter((p) => p && p.in === 'path' && p['x-multi-segment']).map((p) => p.name));
  let literal = 0;
  const source = template.split('/').map((seg) => {
    const m = seg.match(/^\{(.+)\}$/);
    if (!m) { literal++; return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); }
    return multi.has(m[1]) ? '.+' : '[^/]+';
  }).join('/');
  return { template, item, literal, re: new RegExp(`^${source}$`) };
}).sort((a, b) => b.literal - a.literal);

function findOperation(method, target) {
  // The path as the server's router reads it (src/http/path.hpp): empty segments (doubled, trailing
  // slashes) dropped, so `//api/v1/me` is the operation `/api/v1/me` is.
  const p = '/' + target.split('?')[0].split('/').filter(Boolean).join('/');
  const matching = templates.filter((t) => t.re.test(p));
  const withMethod = matching.find((t) => t.item[method]);
  if (withMethod) return { template: withMethod.template, op: withMethod.item[method], pathKnown: true };
  return { template: null, op: null, pathKnown: matching.length > 0 };
}

// ---------- checking one exchange
const baseType = (ct) => (ct || '').split(';')[0].trim().toLowerCase();
const isJson = (ct) => ct === 'application/json' || /^application\/[^/]+\+json$/.test(ct);
function mediaTypeFor(content, ct) {
  if (content[ct]) return ct;
  const [major] = ct.split('/');
  if (content[`${major}/*`]) return `${major}/*`;
  if (content['*/*']) return '*/*';
  return null;
}

// The first faults, array indices folded (/messages/* ...), so one fault of many items is one line.
function describeErrors(errors) {
  const all = errors.map((e) => `${e.instancePath || '(body)'} ${e.message}${e.params && (e.params.additionalProperty || e.params.unevaluatedProperty) ? ` (${e.params.additionalProperty || e.params.unevaluatedProperty})` : ''}${e.params && e.params.allowedValues ? ` ${JSON.stringify(e.params.allowedValues)}` : ''}`);
  return [...new Set(all.map((m) => m.replace(/\/\d+(?=[/ ])/g, '/*')))].slice(0, 5).join('; ');
}

function headerValue(schema, value) {
  const s = deref(schema) || {};
  if (s.type === 'integer' || s.type === 'number') return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  return value;
}

// Checks an exchange against the response object `response` found at `pointer`.
function checkResponse(ex, response, pointer, problems) {
  const status = String(ex.status);
  const headers = ex.headers || {};
  const ct = baseType(headers['content-type']);
  const content = response.content || {};
  const body = ex.body;
  for (const [name, h0] of Object.entries(response.headers || {})) {
    const h = deref(h0);
    const value = headers[name.toLowerCase()];
    if (value === undefined) {
      if (h.required) problems.push(`header ${name} is required and missing`);
      continue;
    }
    if (h.schema) {
      const v = validatorAt(OPENAPI_ID, `${pointerOf(`${pointer}/headers/${escapePointer(name)}`, h0)}/schema`);
      if (!v(headerValue(h.schema, value))) problems.push(`header ${name}: ${JSON.stringify(value)} ${describeErrors(v.errors)}`);
    }
  }
  if (Object.keys(content).length === 0) {
    if (body && body.length > 0 || ex.body_bytes > 0) problems.push(`status ${status} is documented without a body, but one came (${ct || 'no Content-Type'})`);
    return;
  }
  if (!ct) {
    if (ex.method === 'HEAD') return;
    problems.push(`no Content-Type; documented: ${Object.keys(content).join(', ')}`);
    return;
  }
  const media = mediaTypeFor(content, ct);
  if (!media) {
    problems.push(`Content-Type ${ct} is not documented for ${status} (documented: ${Object.keys(content).join(', ')})`);
    return;
  }
  if (!isJson(ct) || ex.method === 'HEAD') return; // bytes and text: status and type only
  if (!content[media].schema) return;
  let parsed;
  try {
    parsed = JSON.parse(body);
  } catch {
    problems.push(`the body is not JSON although the Content-Type is ${ct}`);
    return;
  }
  const v = validatorAt(OPENAPI_ID, `${pointer}/content/${escapePointer(media)}/schema`);
  if (!v(parsed)) problems.push(`body: ${describeErrors(v.errors)}`);
}

const anyRequest = doc['x-any-request'] || { responses: {} };
function checkHttp(ex) {
  const method = (ex.method || '').toLowerCase();
  const target = ex.target || '';
  const status = String(ex.status);
  const problems = [];
  let where;
  const isPreflight = method === 'options' && ex.request_headers && ex.request_headers.origin !== undefined &&
    ex.request_headers['access-control-request-method'] !== undefined;
  const found = findOperation(method, target);
  let body = null;
  try { body = JSON.parse(ex.body); } catch { /* not JSON */ }
  const malformed = body && body.type === '/problems/malformed-http';
  if (isPreflight) {
    where = `CORS preflight ${target}`;
    const r = anyRequest['cors-preflight'];
    if (!r) problems.push('x-any-request has no cors-preflight');
    else if (status !== '204') problems.push(`a CORS preflight answers 204, not ${status}`);
    else checkResponse(ex, deref(r), pointerOf('/x-any-request/cors-preflight', r), problems);
  } else if (found.op && !malformed) {
    where = `${method.toUpperCase()} ${found.template}`;
    operationsSeen.add(where);
    const responses = found.op.responses || {};
    const key = responses[status] ? status : responses[`${status[0]}XX`] ? `${status[0]}XX` : responses.default ? 'default' : null;
    if (!key) problems.push(`status ${status} is not documented (documented: ${Object.keys(responses).join(', ')})`);
    else {
      const base = `/paths/${escapePointer(found.template)}/${method}/responses/${escapePointer(key)}`;
      checkResponse(ex, deref(responses[key]), pointerOf(base, responses[key]), problems);
    }
  } else {
    // No operation: a request that is not HTTP, an unknown path, or a method the path lacks.
    where = found.op ? `${method.toUpperCase()} ${found.template} (malformed HTTP)` :
      found.pathKnown ? `${method.toUpperCase()} on a known path without it` : `unknown path ${method.toUpperCase()} ${target.split('?')[0]}`;
    const r = anyRequest.responses[status];
    if (!r) problems.push(`status ${status} is not in x-any-request (documented: ${Object.keys(anyRequest.responses).join(', ')})`);
    else if (status === '404' && found.pathKnown) problems.push('404 for a path the document has (x-any-request 404 is for unknown paths)');
    else if (status === '405' && !found.pathKnown) problems.push('405 for a path the document does not have');
    else checkResponse(ex, deref(r), pointerOf(`/x-any-request/responses/${status}`, r), problems);
  }
  return { where, problems };
}

// The ServerFrame alternative whose `type` is the frame's, for a precise message.
const frameDefs = new Map();
for (const alt of realtime.$defs.ServerFrame.oneOf) {
  const name = alt.$ref.replace('#/$defs/', '');
  frameDefs.set(realtime.$defs[name].properties.type.const, name);
}
function checkFrame(ex) {
  const problems = [];
  let frame;
  try { frame = typeof ex.frame === 'string' ? JSON.parse(ex.frame) : ex.frame; } catch {
    return { where: 'ws frame', problems: ['the frame is not JSON'] };
  }
  const name = frame && frameDefs.get(frame.type);
  if (!name) return { where: `ws frame ${JSON.stringify(frame && frame.type)}`, problems: ['no ServerFrame has this type'] };
  const v = validatorAt(realtime.$id || 'realtime.schema.json', `/$defs/${name}`);
  if (!v(frame)) problems.push(describeErrors(v.errors));
  // One ServerFrame alternative exactly (the document's own oneOf), so clients can dispatch.
  const all = validatorAt(realtime.$id || 'realtime.schema.json', '/$defs/ServerFrame');
  if (problems.length === 0 && !all(frame)) problems.push(`not exactly one ServerFrame: ${describeErrors(all.errors)}`);
  return { where: `ws ${frame.type} (${name})`, problems };
}

const operationsSeen = new Set();
const operationCount = templates.reduce((n, t) => n + METHODS.filter((m) => t.item[m]).length, 0);

// ---------- reading the recordings
function* lines(file) {
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) if (line.trim()) yield line;
}
function filesOf(recordings) {
  const files = [];
  for (const r of recordings) {
    if (!fs.existsSync(r)) continue;
    if (fs.statSync(r).isDirectory()) {
      for (const f of fs.readdirSync(r).sort()) if (f.endsWith('.jsonl')) files.push(path.join(r, f));
    } else files.push(r);
  }
  return files;
}

// Validates every exchange of the files: counts, and failures (where + problem -> count, example).
function validate(files) {
  let http = 0, frames = 0, skipped = 0;
  const failures = new Map();
  const fail = (k, example) => {
    const f = failures.get(k) || { count: 0, example };
    f.count++;
    failures.set(k, f);
  };
  for (const file of files) {
    for (const line of lines(file)) {
      let ex;
      try { ex = JSON.parse(line); } catch {
        fail(`${path.basename(file)}: a line that is not JSON`, line.slice(0, 200));
        continue;
      }
      let result;
      if (ex.kind === 'ws') {
        if (ex.direction !== 'server') { skipped++; continue; }
        frames++;
        result = checkFrame(ex);
      } else {
        // Routes a test adds to the server for itself (tests/integration/server_test.cpp) are no API.
        if ((ex.target || '').startsWith('/test/')) { skipped++; continue; }
        http++;
        result = checkHttp(ex);
      }
      for (const p of result.problems)
        fail(`${result.where}: ${p}`, `${ex.test || '?'}: ${ex.method || ''} ${ex.target || ''} -> ${ex.status ?? ''} ${String(ex.body ?? ex.frame ?? '').slice(0, 300)}`);
    }
  }
  const invalid = [...failures.values()].reduce((n, f) => n + f.count, 0);
  return { http, frames, skipped, failures, invalid, ok: invalid === 0 && http >= minExchanges };
}
const report = (failures) => {
  for (const [k, f] of failures) console.log(`  FAIL ${k}  [${f.count}x; e.g. ${f.example}]`);
};

if (selftest) {
  // The validator must pass good.jsonl and refuse each bad-*.jsonl and an empty recording.
  const dir = selftest;
  const good = validate([path.join(dir, 'good.jsonl')]);
  if (!good.ok) {
    report(good.failures);
    console.log('contract self-test: FAILED: the valid exchanges of good.jsonl were refused');
    process.exit(1);
  }
  const cases = fs.readdirSync(dir).filter((f) => /^bad-.*\.jsonl$/.test(f) || f === 'empty.jsonl').sort();
  for (const c of cases) {
    if (validate([path.join(dir, c)]).ok) {
      console.log(`contract self-test: FAILED: the validator accepted ${c}, which it must refuse`);
      process.exit(1);
    }
  }
  console.log(`contract self-test: passed (good.jsonl valid, ${cases.length} wrong recordings refused)`);
  if (recordings.length === 0) process.exit(0);
  operationsSeen.clear();
}

const files = filesOf(recordings);
const r = validate(files);
report(r.failures);
console.log(`contract: ${r.http} HTTP exchanges (${operationsSeen.size} of ${operationCount} operations), ${r.frames} WebSocket frames, ${r.skipped} skipped, from ${files.length} files; ${r.invalid} invalid`);
if (r.http < minExchanges) {
  console.log(`contract: FAILED: ${r.http} HTTP exchanges recorded, at least ${minExchanges} expected (is PM_CONTRACT_LOG_DIR reaching the tests?)`);
  process.exit(1);
}
process.exit(r.ok ? 0 : 1);
