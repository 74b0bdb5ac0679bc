// Build the offline Vega bundle, its CSS, licence texts and bundle.json into src/chartspec/static/.
// Run with `npm ci && npm run build` in this folder. The output is committed; users never need Node.
import {createHash} from 'node:crypto';
import {mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import * as esbuild from 'esbuild';
import {createDefaultStyle} from 'vega-tooltip';

const here = dirname(fileURLToPath(import.meta.url));
const staticDir = join(here, '..', 'src', 'chartspec', 'static');
const licenseDir = join(staticDir, 'licenses');
const BUNDLE = 'chartspec-vega.min.js';
const CSS = 'chartspec-vega.css';
const SCHEMA = join(here, '..', 'src', 'chartspec', 'schema');

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const pkg = (name) => JSON.parse(readFileSync(join(here, 'node_modules', name, 'package.json'), 'utf8'));

// The Vega-Lite library must be the version of the pinned schema, or specs could validate
// against one version and render with another.
const schemaFiles = readdirSync(SCHEMA).filter((f) => /^vega-lite-v[\d.]+\.json$/.test(f));
if (schemaFiles.length !== 1) throw new Error(`expected one pinned schema in ${SCHEMA}`);
const schemaVersion = schemaFiles[0].slice('vega-lite-v'.length, -'.json'.length);
if (pkg('vega-lite').version !== schemaVersion) {
  throw new Error(`vega-lite ${pkg('vega-lite').version} != pinned schema ${schemaVersion}`);
}

const entry = `
import vegaEmbed from 'vega-embed';
import {expressionInterpreter} from 'vega-interpreter';
import {version as vegaVersion} from 'vega';
import {version as vegaLiteVersion} from 'vega-lite';
import {version as vegaEmbedVersion} from 'vega-embed';
export {vegaEmbed, expressionInterpreter, vegaVersion, vegaLiteVersion, vegaEmbedVersion};
`;

const result = await esbuild.build({
  stdin: {contents: entry, resolveDir: here, sourcefile: 'chartspec-vega-entry.js', loader: 'js'},
  bundle: true,
  minify: true,
  format: 'iife',
  globalName: 'chartspecVega',
  platform: 'browser',
  target: ['es2020'],
  legalComments: 'none', // the licence texts ship in licenses/ instead
  charset: 'utf8',
  metafile: true,
  write: false,
  define: {'process.env.NODE_ENV': '"production"'},
});
const js = result.outputFiles[0].contents;

// Every package that contributed code to the bundle, from the metafile's input paths.
const bundled = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (m) bundled.add(m[1]);
}
const names = [...bundled].sort();

// vega-embed's and vega-tooltip's stylesheets, which the page would otherwise inject as <style>
// elements (blocked by a strict style-src). The page turns those off and links this file instead.
const embedStyleTs = readFileSync(join(here, 'node_modules', 'vega-embed', 'src', 'style.ts'), 'utf8');
const embedCss = embedStyleTs.match(/`([^`]*)`/);
if (!embedCss) throw new Error('vega-embed/src/style.ts: stylesheet not found');
const css =
  `/* vega-embed ${pkg('vega-embed').version} (BSD-3-Clause) */\n${embedCss[1].trim()}\n\n` +
  `/* vega-tooltip ${pkg('vega-tooltip').version} (BSD-3-Clause) */\n` +
  `${createDefaultStyle('vg-tooltip-element').trim()}\n`;

mkdirSync(staticDir, {recursive: true});
writeFileSync(join(staticDir, BUNDLE), js);
writeFileSync(join(staticDir, CSS), css);

rmSync(licenseDir, {recursive: true, force: true});
mkdirSync(licenseDir, {recursive: true});
const packages = {};
for (const name of names) {
  const dir = join(here, 'node_modules', name);
  const licFiles = readdirSync(dir).filter((f) => /^(licen[cs]e|copying|notice)/i.test(f)).sort();
  if (licFiles.length === 0) throw new Error(`${name}: no licence file in the package`);
  const text = licFiles.map((f) => readFileSync(join(dir, f), 'utf8').trimEnd()).join('\n\n');
  const out = `${name.replace('/', '__')}.txt`;
  writeFileSync(join(licenseDir, out), `${name} ${pkg(name).version} (${pkg(name).license})\n\n${text}\n`);
  packages[name] = {version: pkg(name).version, license: pkg(name).license, license_file: `licenses/${out}`};
}

const info = {
  bundle: BUNDLE,
  bundle_sha256: sha256(js),
  css: CSS,
  css_sha256: sha256(Buffer.from(css)),
  global: 'chartspecVega',
  vega: pkg('vega').version,
  'vega-lite': pkg('vega-lite').version,
  'vega-embed': pkg('vega-embed').version,
  'vega-interpreter': pkg('vega-interpreter').version,
  'vega-tooltip': pkg('vega-tooltip').version,
  esbuild: pkg('esbuild').version,
  packages,
};
writeFileSync(join(staticDir, 'bundle.json'), JSON.stringify(info, null, 2) + '\n');
if (!existsSync(join(staticDir, BUNDLE))) throw new Error('bundle not written');
console.log(`${BUNDLE}: ${js.length} bytes, sha256 ${info.bundle_sha256}, ${names.length} packages`);
