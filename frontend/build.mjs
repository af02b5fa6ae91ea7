// `make vendor` runs this in a temporary copy of this folder after `npm ci`: it bundles entry.js
// into one minified ES module and records, beside it, the version and licence of every package
// that went into the bundle (read from the metafile, so nothing unused is listed).
import { build } from "esbuild";
import { readFileSync, writeFileSync, mkdirSync, existsSync, readdirSync } from "node:fs";
import { join, dirname } from "node:path";

const out = process.argv[2];
if (!out) throw new Error("usage: node build.mjs OUTPUT_FOLDER");
mkdirSync(out, { recursive: true });

const result = await build({
  entryPoints: ["entry.js"],
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2020",
  legalComments: "none", // the licences go to LICENSES.txt in full instead
  outfile: join(out, "codemirror.min.js"),
  metafile: true,
});

const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (match) packages.set(match[1], join("node_modules", match[1]));
}
const names = [...packages.keys()].sort();
const licenceFile = (dir) =>
  readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));

let versions = "# Vendored front-end code\n\n" +
  "Written by `make vendor` (frontend/build.mjs); do not edit by hand.\n" +
  "`codemirror.min.js` bundles these npm packages; their licence texts are in `LICENSES.txt`.\n\n" +
  "| package | version | licence |\n|---|---|---|\n";
let licences = "";
for (const name of names) {
  const dir = packages.get(name);
  const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  versions += `| ${name} | ${meta.version} | ${meta.license} |\n`;
  const file = licenceFile(dir);
  if (!file) throw new Error(`${name} ships no licence file`);
  licences += `${"=".repeat(72)}\n${name} ${meta.version} (${meta.license})\n${"=".repeat(72)}\n` +
    readFileSync(join(dir, file), "utf8").trim() + "\n\n";
}
writeFileSync(join(out, "VERSIONS.md"), versions);
writeFileSync(join(out, "LICENSES.txt"), licences);
console.log(`bundled ${names.length} packages into ${out}/codemirror.min.js`);
