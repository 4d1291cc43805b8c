// A local Web Push endpoint (RFC 8030) for the push delivery tests, in place of a browser's push
// service: it makes subscriptions the way a browser does (a P-256 key pair and a 16-byte auth
// secret per subscription), and for each push it receives it
//   - verifies the VAPID authorisation (RFC 8292) with jose: an ES256 JWT signed by the key in k=,
//     aud this endpoint's origin, exp within 24 hours, sub a mailto: or https: contact;
//   - decrypts the body with http_ece, the RFC 8188 reference implementation, with the
//     subscription's private key and auth secret (RFC 8291);
//   - records what came (headers, the decrypted payload, the VAPID verdict) and answers 201, or
//     the statuses a test queued (404, 410, 429, 500...), or holds its answer until released.
//
//   node endpoint.mjs PORT
// Test routes: POST /test/subscriptions -> {endpoint, keys: {p256dh, auth}} (PushSubscription.toJSON());
// POST /test/answers {id, statuses}; POST /test/hold {id}; POST /test/release; GET /test/received.
import http from 'node:http';
import crypto from 'node:crypto';
import ece from 'http_ece';
import * as jose from 'jose';

const port = Number(process.argv[2]);
const origin = `http://127.0.0.1:${port}`;
const subscriptions = new Map();  // id -> {ecdh, auth, answers: [status...], hold}
const received = [];
const held = [];

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

// RFC 8292 §3: "vapid t=<JWT>, k=<base64url P-256 point>".
async function checkVapid(header) {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header || '');
  if (!m) return { ok: false, error: 'no vapid authorization' };
  const point = Buffer.from(m[2], 'base64url');
  if (point.length !== 65 || point[0] !== 4) return { ok: false, error: 'k is not an uncompressed P-256 point' };
  try {
    const key = await jose.importJWK({ kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33).toString('base64url') }, 'ES256');
    const { payload, protectedHeader } = await jose.jwtVerify(m[1], key, { audience: origin, algorithms: ['ES256'] });
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.exp !== 'number' || payload.exp > now + 24 * 3600) return { ok: false, error: 'exp beyond 24 h' };
    if (!/^(mailto:|https:)/.test(payload.sub || '')) return { ok: false, error: 'sub is not mailto: or https:' };
    return { ok: true, claims: payload, alg: protectedHeader.alg, k: m[2] };
  } catch (e) {
    return { ok: false, error: String(e.code || e.message) };
  }
}

async function push(req, res, id) {
  const sub = subscriptions.get(id);
  const body = await readBody(req);
  const record = {
    id,
    headers: { ttl: req.headers.ttl, urgency: req.headers.urgency, topic: req.headers.topic,
      content_encoding: req.headers['content-encoding'] },
    vapid: await checkVapid(req.headers.authorization),
  };
  if (!sub) {
    record.status = 404;
    received.push(record);
    return json(res, 404, { error: 'no such subscription' });
  }
  try {
    const plain = ece.decrypt(body, { version: 'aes128gcm', privateKey: sub.ecdh, authSecret: sub.auth });
    record.payload = JSON.parse(plain.toString('utf8'));
  } catch (e) {
    record.decrypt_error = String(e.message);
  }
  record.status = !record.vapid.ok ? 403 : record.decrypt_error ? 400 : (sub.answers.shift() ?? 201);
  received.push(record);
  const answer = () => json(res, record.status, {});
  if (sub.hold) {
    sub.hold = false;
    held.push(answer);
  } else {
    answer();
  }
}

http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, origin);
    if (req.method === 'POST' && url.pathname === '/test/subscriptions') {
      const ecdh = crypto.createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = crypto.randomBytes(16).toString('base64url');
      const id = crypto.randomBytes(12).toString('hex');
      subscriptions.set(id, { ecdh, auth, answers: [], hold: false });
      return json(res, 200, { id, endpoint: `${origin}/push/${id}`, expirationTime: null,
        keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth } });
    }
    if (req.method === 'POST' && url.pathname === '/test/answers') {
      const { id, statuses } = JSON.parse((await readBody(req)).toString());
      subscriptions.get(id).answers.push(...statuses);
      return json(res, 200, {});
    }
    if (req.method === 'POST' && url.pathname === '/test/hold') {
      const { id } = JSON.parse((await readBody(req)).toString());
      subscriptions.get(id).hold = true;
      return json(res, 200, {});
    }
    if (req.method === 'POST' && url.pathname === '/test/release') {
      held.splice(0).forEach((answer) => answer());
      return json(res, 200, {});
    }
    if (req.method === 'GET' && url.pathname === '/test/received') return json(res, 200, { received, held: held.length });
    const m = /^\/push\/([0-9a-f]+)$/.exec(url.pathname);
    if (req.method === 'POST' && m) return await push(req, res, m[1]);
    json(res, 404, { error: 'not found' });
  } catch (e) {
    json(res, 500, { error: String(e.message) });
  }
}).listen(port, '127.0.0.1');
