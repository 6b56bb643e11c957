#!/usr/bin/env node
/**
 * `npm run package`: the tarball NocoBase's plugin manager installs (Plugin Manager → Add new →
 * Upload, or `nocobase pm add <file>`).
 *
 * NocoBase unpacks the archive, takes the one folder holding a package.json, checks that `main`
 * exists, copies the folder to storage/plugins/<name> and links it into node_modules. It installs no
 * dependencies: everything the plugin needs beyond what the host provides must be in dist/ (our
 * build bundles it). dist/externalVersion.js tells the plugin manager which host packages the
 * build was made against (it lists the plugin as "Problematic" when they do not match the host).
 *
 * The build goes to a temporary folder, so the repo's dist/ is left alone. Env: PACKAGE_VERSION
 * packs another version (the upgrade test uses it), PACKAGE_OUT_DIR where the .tgz goes (repo root),
 * PACKAGE_REF packs a git commit or tag instead of the working tree (an earlier release, to upgrade
 * from). Prints the path of the tarball on its last line.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const outDir = path.resolve(root, process.env.PACKAGE_OUT_DIR || '.');
const ref = process.env.PACKAGE_REF;

/** package.json fields the host reads (name, version, main, display names, descriptions, keywords…). */
const KEPT_FIELDS = /^(name|version|main|license|keywords|homepage|repository|author|engines|peerDependencies|displayName(\..+)?|description(\..+)?|homepage(\..+)?)$/;

function fail(message) {
  console.error(`✖ ${message}`);
  process.exit(1);
}

function run(cmd, args, options = {}) {
  const res = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', ...options });
  if (res.status !== 0) fail(`${cmd} ${args.join(' ')} failed (exit ${res.status}):\n${res.stderr || res.stdout}`);
  return res.stdout;
}

/** Bare module names a CommonJS bundle requires. */
function requiredModules(code) {
  const names = new Set();
  for (const m of code.matchAll(/\brequire\(\s*["']([^"'./][^"']*)["']\s*\)/g)) {
    const id = m[1].replace(/^node:/, '');
    names.add(id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : id.split('/')[0]);
  }
  return [...names];
}

/** The sources to pack: the working tree, or PACKAGE_REF checked out into a temporary folder. */
async function sourceTree(tmp) {
  if (!ref) return root;
  const tree = path.join(tmp, 'tree');
  await mkdir(tree, { recursive: true });
  const archive = spawnSync('git', ['archive', '--format=tar', ref], { cwd: root, maxBuffer: 1 << 30 });
  if (archive.status !== 0) fail(`git archive ${ref} failed: ${archive.stderr}`);
  const untar = spawnSync('tar', ['-x', '-C', tree], { input: archive.stdout });
  if (untar.status !== 0) fail(`unpacking ${ref} failed: ${untar.stderr}`);
  await symlink(path.join(root, 'node_modules'), path.join(tree, 'node_modules'), 'dir');
  return tree;
}

const stage = await mkdtemp(path.join(os.tmpdir(), 'open2fa-package-'));
const tmp = await mkdtemp(path.join(os.tmpdir(), 'open2fa-package-src-'));
try {
  const src = await sourceTree(tmp);
  const pkg = JSON.parse(await readFile(path.join(src, 'package.json'), 'utf8'));
  const version = process.env.PACKAGE_VERSION || pkg.version;

  // 1. Build into the staging folder (a build script that ignores BUILD_OUT_DIR builds into its own dist/).
  run(process.execPath, [path.join(src, 'scripts/build.mjs')], { cwd: src, env: { ...process.env, BUILD_OUT_DIR: path.join(stage, 'dist') } });
  if (!existsSync(path.join(stage, 'dist'))) await cp(path.join(src, 'dist'), path.join(stage, 'dist'), { recursive: true });

  // 2. The package.json the host reads: no scripts, no devDependencies; every runtime need is bundled.
  const shipped = Object.fromEntries(Object.entries(pkg).filter(([k]) => KEPT_FIELDS.test(k)));
  shipped.version = version;
  // client-v2.js at the root is what makes the v2 client list the plugin (releases before it lack it).
  const v2 = existsSync(path.join(src, 'client-v2.js'));
  const roots = ['client.js', ...(v2 ? ['client-v2.js', 'client-v2.d.ts'] : []), 'server.js', 'README.md'];
  shipped.files = ['dist', ...roots];
  await writeFile(path.join(stage, 'package.json'), JSON.stringify(shipped, null, 2) + '\n');
  for (const file of roots) await cp(path.join(src, file), path.join(stage, file));

  // 3. What the host will load must be there and need nothing the host lacks.
  const serverFile = path.join(stage, shipped.main);
  const server = await readFile(serverFile, 'utf8').catch(() => fail(`main (${shipped.main}) was not built`));
  const client = await readFile(path.join(stage, 'dist/client/index.js'), 'utf8').catch(() => fail('dist/client/index.js was not built'));
  if (!client.includes(`define(${JSON.stringify(pkg.name)}`)) fail('dist/client/index.js is not an AMD module named after the package');
  if (v2) {
    const clientV2 = await readFile(path.join(stage, 'dist/client-v2/index.js'), 'utf8').catch(() => fail('dist/client-v2/index.js was not built'));
    if (!clientV2.includes(`define(${JSON.stringify(`${pkg.name}/client-v2`)}`)) fail('dist/client-v2/index.js is not an AMD module named <package>/client-v2');
    if (/"@nocobase\/(client|sdk)"/.test(clientV2)) fail('dist/client-v2/index.js needs @nocobase/client or @nocobase/sdk, which the v2 client does not provide');
  }
  const hostDeps = require('@nocobase/server/lib/plugin-manager/deps').default;
  const externalVersion = require(path.join(stage, 'dist/externalVersion.js'));
  const provided = (name) => builtinModules.includes(name) || name.startsWith('@nocobase/') || name in hostDeps;
  const missing = requiredModules(server).filter((name) => !provided(name));
  if (missing.length) fail(`the server bundle requires modules the host does not provide: ${missing.join(', ')}`);
  const undeclared = requiredModules(server).filter((name) => name.startsWith('@nocobase/') && !externalVersion[name]);
  if (undeclared.length) fail(`dist/externalVersion.js does not list ${undeclared.join(', ')}`);
  const locales = await readdir(path.join(stage, 'dist/locale'));

  // 4. Pack with npm, as `npm publish` would.
  await mkdir(outDir, { recursive: true });
  const packed = JSON.parse(run('npm', ['pack', stage, '--pack-destination', outDir, '--ignore-scripts', '--json', '--loglevel=error']));
  const file = path.join(outDir, packed[0].filename);
  const entries = packed[0].files.map((f) => f.path);
  for (const needed of ['package.json', shipped.main, 'dist/client/index.js', 'dist/externalVersion.js', ...(v2 ? ['client-v2.js', 'dist/client-v2/index.js'] : [])]) {
    if (!entries.includes(needed)) fail(`the tarball lacks ${needed}`);
  }
  if (entries.some((e) => e.startsWith('src/') || e.includes('__tests__'))) fail('the tarball contains sources or tests');
  const bytes = await readFile(file);
  console.log(
    [
      `packed ${pkg.name}@${version}${ref ? ` (from ${ref})` : ''}: ${entries.length} files, ${(bytes.length / 1024).toFixed(0)} kB, sha256 ${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}…`,
      `  built against: ${Object.entries(externalVersion).map(([k, v]) => `${k}@${v}`).join(', ')}`,
      `  locales: ${locales.join(', ')}; server bundle ${((await stat(serverFile)).size / 1024).toFixed(0)} kB`,
      file,
    ].join('\n'),
  );
} finally {
  await rm(stage, { recursive: true, force: true });
  await rm(tmp, { recursive: true, force: true });
}
