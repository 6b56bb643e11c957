#!/usr/bin/env node
/**
 * Builds dist/ the way the NocoBase host loads plugins:
 * - dist/server/index.js: CommonJS bundle; @nocobase/* and the host's shared libraries stay external.
 * - dist/server/migrations/*.js: one CommonJS file per migration, where NocoBase looks for them.
 * - dist/client/index.js: a named AMD/UMD module (name = package name) whose dependencies are the
 *   modules the v1 client host provides.
 * - dist/client-v2/index.js: the same for the v2 client (name = `<package>/client-v2`, the v2
 *   host's modules); src/client/shared/host.tsx is replaced by src/client-v2/host.tsx there.
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
// What the v2 client host provides (no @nocobase/client, no @nocobase/sdk), and the v2 entries of
// the plugins we build on, which are always enabled.
const CLIENT_V2_HOST_MODULES = [
  'react', 'react-dom', 'react/jsx-runtime', 'react-router', 'react-router-dom', 'antd', '@ant-design/icons',
  '@ant-design/cssinjs', 'antd-style', 'i18next', 'react-i18next', '@formily/antd-v5', '@formily/core', '@formily/react',
  '@formily/reactive', '@formily/shared', '@nocobase/utils', '@nocobase/utils/client', '@nocobase/client-v2',
  '@nocobase/client-v2/client-v2', '@nocobase/flow-engine', '@nocobase/evaluators', '@nocobase/evaluators/client',
  '@dnd-kit/core', '@dnd-kit/sortable', '@ctrl/tinycolor', 'ahooks', 'axios', 'dayjs', 'lodash', '@emotion/css',
  'file-saver', '@nocobase/plugin-verification/client-v2', '@nocobase/plugin-auth/client-v2',
];
const V1_HOST_SEAM = path.join(root, 'src/client/shared/host.tsx');
const V2_HOST_SEAM = path.join(root, 'src/client-v2/host.tsx');

function versionOf(name) {
  try {
    return JSON.parse(require('fs').readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/**
 * @simplewebauthn/server imports @peculiar/x509 (and with it tsyringe and the `reflect-metadata`
 * polyfill, which adds a non-deletable symbol to the global `Reflect`) only to check attestation
 * certificate chains. With it in the bundle the host's hardened JavaScript (SES `lockdown()` of
 * plugin-flow-engine) fails at start. We ask for attestation `none`, so those are left out: a
 * registration that carries a certificate chain is refused (the stub throws, the check fails).
 */
const X509_NAMES = ['X509Certificate', 'X509ChainBuilder', 'X509Crl', 'AuthorityKeyIdentifierExtension', 'CRLDistributionPointsExtension', 'SubjectKeyIdentifierExtension'];
const noCertificateChains = {
  name: 'no-certificate-chains',
  setup(b) {
    b.onResolve({ filter: /^(@peculiar\/x509|reflect-metadata)$/ }, (args) => ({ path: args.path, namespace: 'open2fa-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'open2fa-stub' }, (args) => ({
      loader: 'js',
      contents:
        args.path === 'reflect-metadata'
          ? 'module.exports = {};'
          : `class Refused { constructor() { throw new Error('attestation certificate chains are not supported (attestation "none")'); } }
             for (const name of ${JSON.stringify(X509_NAMES)}) exports[name] = Refused;`,
    }));
  },
};

async function buildServer() {
  const result = await build({
    entryPoints: { index: path.join(root, 'src/server/index.ts') },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outdir: path.join(dist, 'server'),
    external: SERVER_EXTERNALS,
    plugins: [noCertificateChains],
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

/** In the v2 build every import of the v1 host seam gets the v2 one. */
const v2Host = {
  name: 'v2-host',
  setup(b) {
    b.onResolve({ filter: /\/host$/ }, (args) => {
      const target = path.resolve(args.resolveDir, args.path);
      return target === V1_HOST_SEAM.replace(/\.tsx$/, '') ? { path: V2_HOST_SEAM } : undefined;
    });
  },
};

async function buildClient({ entry, name, out, externals, plugins = [] }) {
  const result = await build({
    entryPoints: [path.join(root, entry)],
    plugins,
    bundle: true,
    platform: 'browser',
    target: 'es2020',
    format: 'cjs',
    jsx: 'automatic',
    minify: true,
    metafile: true,
    write: false,
    external: externals,
    logLevel: 'warning',
  });
  const code = result.outputFiles[0].text;
  const deps = [
    ...new Set(Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path))),
  ];
  const umd = `(function (root, factory) {
  if (typeof define === 'function' && define.amd) define(${JSON.stringify(name)}, ${JSON.stringify(deps)}, factory);
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
  await mkdir(path.join(dist, out), { recursive: true });
  await writeFile(path.join(dist, out, 'index.js'), umd);
  if (plugins.length && code.includes('@nocobase/client"')) throw new Error(`${out} must not need @nocobase/client`);
  return deps;
}

await rm(dist, { recursive: true, force: true });
const serverDeps = await buildServer();
const clientDeps = [
  ...(await buildClient({ entry: 'src/client/index.tsx', name: pkg.name, out: 'client', externals: CLIENT_HOST_MODULES })),
  ...(await buildClient({ entry: 'src/client-v2/index.tsx', name: `${pkg.name}/client-v2`, out: 'client-v2', externals: CLIENT_V2_HOST_MODULES, plugins: [v2Host] })),
];
await cp(path.join(root, 'src/locale'), path.join(dist, 'locale'), { recursive: true });
const external = {};
for (const dep of [...new Set([...serverDeps, ...clientDeps])].sort()) {
  const base = dep.startsWith('@') ? dep.split('/').slice(0, 2).join('/') : dep.split('/')[0];
  if (base.startsWith('node:') || builtinModules.includes(base)) continue;
  const v = versionOf(base);
  if (v) external[base] = v;
}
await writeFile(path.join(dist, 'externalVersion.js'), `module.exports = ${JSON.stringify(external, null, 2)};\n`);
console.log(`built dist/ (server externals: ${serverDeps.length}, client host modules (v1 + v2): ${new Set(clientDeps).size})`);
