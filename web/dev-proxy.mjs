// For working on the web app against a `perfectmatch serve` that runs elsewhere (or was built
// without web/dist): serves dist/ as the server does (index.html for client routes) and passes
// /api, /media, /healthz and /readyz, WebSocket upgrades included, to PM_API_URL.
//   PM_API_URL=http://127.0.0.1:8080 PORT=5173 node dev-proxy.mjs
import { createServer, request } from "node:http";
import { connect } from "node:net";
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const dist = join(fileURLToPath(new URL(".", import.meta.url)), "dist");
const api = new URL(process.env.PM_API_URL ?? "http://127.0.0.1:8080");
const port = Number(process.env.PORT ?? 5173);
const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml" };
const proxied = (p) => /^\/(api|media)(\/|$)|^\/(healthz|readyz)$/.test(p);

const server = createServer((req, res) => {
  const path = new URL(req.url, "http://x").pathname;
  if (proxied(path)) {
    const up = request({ host: api.hostname, port: api.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", () => res.writeHead(502).end());
    req.pipe(up);
    return;
  }
  let file = normalize(join(dist, path));
  if (!file.startsWith(dist) || !existsSync(file) || !statSync(file).isFile()) file = join(dist, "index.html");
  res.writeHead(200, { "Content-Type": types[extname(file)] ?? "application/octet-stream", "Cache-Control": "no-cache" });
  res.end(readFileSync(file));
});
server.on("upgrade", (req, socket, head) => {
  const up = connect(Number(api.port), api.hostname, () => {
    up.write(`${req.method} ${req.url} HTTP/1.1\r\n` + Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`).join("\r\n") + "\r\n\r\n");
    up.write(head);
    up.pipe(socket).pipe(up);
  });
  up.on("error", () => socket.destroy());
  socket.on("error", () => up.destroy());
});
server.listen(port, "127.0.0.1", () => console.log(`web app on http://127.0.0.1:${port}, API at ${api.origin}`));
