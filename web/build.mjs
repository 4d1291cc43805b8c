// Builds the web app into dist/: esbuild bundles src/main.tsx (and the CSS it imports) into
// content-hashed files under dist/assets/, then index.html is written with their names. Nothing
// inline (the server's Content-Security-Policy allows scripts and styles from files only).
// Prints the gzipped size of the JavaScript and CSS, and fails above the budget (issue 14: 150 KB).
//   node build.mjs [--dev]   (--dev: no minification, with source maps)
import { build } from "esbuild";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "dist");
const dev = process.argv.includes("--dev");
const BUDGET_BYTES = 150 * 1024;

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "assets"), { recursive: true });

const result = await build({
  entryPoints: [join(here, "src/main.tsx")],
  bundle: true,
  outdir: join(out, "assets"),
  entryNames: "[name]-[hash]",
  assetNames: "[name]-[hash]",
  format: "esm",
  target: ["chrome110", "firefox110", "safari16"],
  jsx: "automatic",
  jsxImportSource: "preact",
  minify: !dev,
  sourcemap: dev,
  metafile: true,
  legalComments: "none",
  logLevel: "warning",
});

// The service worker: its own file at the root (its scope is the folder it is served from), not
// hashed (browsers look for updates at the same URL; the server sends it with no-cache).
await build({
  entryPoints: [join(here, "src/sw.ts")],
  bundle: true,
  outfile: join(out, "sw.js"),
  format: "iife",
  target: ["chrome110", "firefox110", "safari16"],
  minify: !dev,
  legalComments: "none",
  logLevel: "warning",
});

const files = Object.keys(result.metafile.outputs).filter((f) => !f.endsWith(".map"));
const js = files.find((f) => f.endsWith(".js"));
const css = files.find((f) => f.endsWith(".css"));
if (!js) throw new Error("esbuild wrote no JavaScript");

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>Perfect Match</title>
<link rel="icon" href="/assets/${basename(writeIcon())}">
${css ? `<link rel="stylesheet" href="/assets/${basename(css)}">\n` : ""}<script type="module" src="/assets/${basename(js)}"></script>
</head>
<body>
<div id="app"><noscript>Perfect Match needs JavaScript.</noscript></div>
</body>
</html>
`;
writeFileSync(join(out, "index.html"), html);

let total = 0;
for (const f of files) {
  const gz = gzipSync(readFileSync(join(here, f))).length;
  total += gz;
  console.log(`web: ${f.replace(/^dist\//, "")} ${(gz / 1024).toFixed(1)} KB gzipped`);
}
console.log(`web: JavaScript + CSS ${(total / 1024).toFixed(1)} KB gzipped (budget ${BUDGET_BYTES / 1024} KB)`);
if (total > BUDGET_BYTES) {
  console.error("web: over the size budget");
  process.exit(1);
}

// A small heart as the icon, named by its content like every asset.
function writeIcon() {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path fill="#c2185b" d="M16 29s-12-7.4-12-16a7 7 0 0 1 12-4.9A7 7 0 0 1 28 13c0 8.6-12 16-12 16z"/></svg>`;
  let h = 0;
  for (const c of svg) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0;
  const name = `icon-${h.toString(16).toUpperCase()}.svg`;
  writeFileSync(join(out, "assets", name), svg);
  return name;
}
