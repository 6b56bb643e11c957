#!/usr/bin/env node
/**
 * Builds dist/ the way the NocoBase host loads plugins:
 * - dist/server/index.js: CommonJS bundle; @nocobase/* and the host's shared libraries stay external.
 * - dist/server/migrations/*.js: one CommonJS file per migration, where NocoBase looks for them.
 * - dist/client/index.js: a named AMD/UMD module (name = package name) whose dependencies are the
 *   modules the v1 client host provides.
 * - dist/locale/*.json and dist/externalVersion.js.
 * BUILD_OUT_DIR builds elsewhere than dist/ (packaging builds into a temporary folder).
 */
import { build } from 'esbuild';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
const dist = path.resolve(root, process.env.BUILD_OUT_DIR || 'dist');

const SERVER_EXTERNALS = ['@nocobase/*', 'sequelize', 'koa', 'lodash', 'dayjs', 'sqlite3', 'pg', 'mysql2', 'mariadb', 'jsonwebtoken'];
const CLIENT_HOST_MODULES = [
  'react', 'react-dom', 'react/jsx-runtime', 'react-router', 'react-router-dom', 'antd', 'antd-style',
  '@ant-design/icons', '@ant-design/cssinjs', 'i18next', 'react-i18next', '@formily/antd-v5', '@formily/core',
  '@formily/react', '@formily/shared', '@formily/json-schema', '@formily/reactive', '@formily/path',
  '@formily/validator', '@formily/reactive-react', '@nocobase/client', '@nocobase/utils', '@nocobase/utils/client',
  '@nocobase/evaluators/client', '@nocobase/sdk', '@nocobase/flow-engine', '@dnd-kit/core', '@dnd-kit/sortable',
  'axios', 'dayjs', 'lodash', 'ahooks', '@emotion/css', 'file-saver',
];

function versionOf(name) {
  try {
    return JSON.parse(require('fs').readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
  } catch {
    return undefined;
  }
}

async function buildServer() {
  const result = await build({
    entryPoints: { index: path.join(root, 'src/server/index.ts') },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outdir: path.join(dist, 'server'),
    external: SERVER_EXTERNALS,
    metafile: true,
    logLevel: 'warning',
  });
  const migrations = await buildMigrations();
  return [result, migrations].flatMap((r) => Object.values(r.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path)));
}

/** NocoBase loads a plugin's migrations one file each from dist/server/migrations/. */
async function buildMigrations() {
  const dir = path.join(root, 'src/server/migrations');
  const files = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  return build({
    entryPoints: files.map((f) => path.join(dir, f)),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outdir: path.join(dist, 'server/migrations'),
    external: SERVER_EXTERNALS,
    metafile: true,
    logLevel: 'warning',
  });
}

async function buildClient() {
  const result = await build({
    entryPoints: [path.join(root, 'src/client/index.tsx')],
    bundle: true,
    platform: 'browser',
    target: 'es2020',
    format: 'cjs',
    jsx: 'automatic',
    minify: true,
    metafile: true,
    write: false,
    external: CLIENT_HOST_MODULES,
    logLevel: 'warning',
  });
  const code = result.outputFiles[0].text;
  const deps = [
    ...new Set(Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path))),
  ];
  const umd = `(function (root, factory) {
  if (typeof define === 'function' && define.amd) define(${JSON.stringify(pkg.name)}, ${JSON.stringify(deps)}, factory);
  else if (typeof module === 'object' && module.exports) module.exports = factory.apply(null, ${JSON.stringify(deps)}.map(require));
})(typeof self !== 'undefined' ? self : this, function () {
  var __deps = {}, __args = arguments;
  ${JSON.stringify(deps)}.forEach(function (d, i) { __deps[d] = __args[i]; });
  var require = function (id) { if (id in __deps) return __deps[id]; throw new Error('not provided by the host: ' + id); };
  var module = { exports: {} }, exports = module.exports;
${code}
  return module.exports;
});
`;
  await mkdir(path.join(dist, 'client'), { recursive: true });
  await writeFile(path.join(dist, 'client/index.js'), umd);
  return deps;
}

await rm(dist, { recursive: true, force: true });
const serverDeps = await buildServer();
const clientDeps = await buildClient();
await cp(path.join(root, 'src/locale'), path.join(dist, 'locale'), { recursive: true });
const external = {};
for (const dep of [...new Set([...serverDeps, ...clientDeps])].sort()) {
  const base = dep.startsWith('@') ? dep.split('/').slice(0, 2).join('/') : dep.split('/')[0];
  if (base.startsWith('node:') || builtinModules.includes(base)) continue;
  const v = versionOf(base);
  if (v) external[base] = v;
}
await writeFile(path.join(dist, 'externalVersion.js'), `module.exports = ${JSON.stringify(external, null, 2)};\n`);
console.log(`built dist/ (server externals: ${serverDeps.length}, client host modules: ${clientDeps.length})`);
