#!/usr/bin/env node
/**
 * `npm run test:versions`: the plugin on every NocoBase 2.x line the npm registry offers.
 *
 * 1. Asks the registry for @nocobase/server's versions and takes the newest release of each 2.x
 *    line (2.0.x, 2.1.x, 2.2.x, …). `VERSIONS=2.1.41,2.2.15` names them instead.
 * 2. For each, installs that NocoBase (@nocobase/app, server, database, utils, plugin-verification
 *    and the newest @nocobase/test not newer than it) into .versions/<version>/ (git-ignored; kept,
 *    so a second run skips the install). A line whose packages are not all published is reported
 *    as not installable.
 * 3. Runs the server suite (run-vitest.mjs) and the package test (package-test.mjs: the tarball
 *    into stock apps of that NocoBase) on it, through NOCOBASE_NODE_MODULES.
 * `--install-only` stops after step 2. Ends with one line per version and the wall time. Exits non-zero when a supported line
 * (src/server/core-version.ts: the plugin refuses older cores) fails to install or to pass.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { root } from '../test-support/requirements.mjs';

const started = Date.now();
const since = (t) => `${Math.round((Date.now() - t) / 1000)} s`;
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const coreRule = readFileSync(path.join(root, 'src/server/core-version.ts'), 'utf8');
const SUPPORTED_MIN = /min: '(\d+\.\d+\.\d+)'/.exec(coreRule)?.[1];
if (!SUPPORTED_MIN) throw new Error('src/server/core-version.ts: no `min` version found');

const parse = (v) => v.split('.').map(Number);
const compare = (a, b) => {
  const [x, y] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
};
const line = (v) => v.split('.').slice(0, 2).join('.');

function registryVersions(name) {
  const res = spawnSync('npm', ['view', name, 'versions', '--json'], { cwd: root, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`npm view ${name} versions failed:\n${res.stderr}`);
  const list = JSON.parse(res.stdout);
  return (Array.isArray(list) ? list : [list]).filter((v) => /^\d+\.\d+\.\d+$/.test(v));
}

/** The newest release of each 2.x line. */
function linesToTest() {
  if (process.env.VERSIONS) return process.env.VERSIONS.split(',').map((v) => v.trim()).filter(Boolean);
  const newest = new Map();
  for (const v of registryVersions('@nocobase/server').filter((v) => v.startsWith('2.'))) {
    if (!newest.has(line(v)) || compare(v, newest.get(line(v))) > 0) newest.set(line(v), v);
  }
  return [...newest.values()].sort(compare);
}

/** The package npm could not find, from its error output. */
function missingPackage(out) {
  const found = /No matching version found for (\S+?)\.?$/m.exec(out)?.[1] || /'(@?[^']+@[^']+)' (?:is not in this registry|could not be found)/.exec(out)?.[1];
  return found ? `${found.replace(/\.$/, '')} (not published on the registry)` : null;
}

/** Installs NocoBase `version` into .versions/<version>; resolves to { ok, reason, dir }. */
async function install(version, testVersions) {
  const dir = path.join(root, '.versions', version);
  const testVersion = testVersions.filter((v) => compare(v, version) <= 0).sort(compare).pop();
  if (!testVersion) return { ok: false, reason: `no @nocobase/test release at or below ${version}`, dir };
  const manifest = {
    name: `open2fa-nocobase-${version}`,
    private: true,
    description: `NocoBase ${version} for npm run test:versions`,
    dependencies: Object.fromEntries(
      [['@nocobase/app', version], ['@nocobase/server', version], ['@nocobase/database', version], ['@nocobase/utils', version],
        ['@nocobase/plugin-verification', version], ['@nocobase/test', testVersion]],
    ),
    // As in our package.json: one @nocobase/server and utils (the line's), and xlsx from the registry.
    overrides: { '@nocobase/server': '$@nocobase/server', '@nocobase/utils': '$@nocobase/utils', ...(pkg.overrides?.xlsx ? { xlsx: pkg.overrides.xlsx } : {}) },
  };
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  const stamp = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const stampFile = path.join(dir, '.installed');
  const installed = path.join(dir, 'node_modules/@nocobase/server/package.json');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp && existsSync(installed)) {
    console.log(`→ NocoBase ${version} is installed in ${path.relative(root, dir)} (@nocobase/test ${testVersion})`);
    return { ok: true, dir, testVersion };
  }
  mkdirSync(dir, { recursive: true });
  rmSync(stampFile, { force: true });
  writeFileSync(path.join(dir, 'package.json'), text);
  writeFileSync(path.join(dir, '.npmrc'), readFileSync(path.join(root, '.npmrc')));
  const log = path.join(dir, 'install.log');
  const t = Date.now();
  console.log(`→ installing NocoBase ${version} (@nocobase/test ${testVersion}) into ${path.relative(root, dir)} (log: ${path.relative(root, log)})`);
  const code = await new Promise((resolve) => {
    const child = spawn('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (c) => {
      writeFileSync(log, out);
      resolve(c ?? 1);
    });
  });
  if (code !== 0) {
    let reason = missingPackage(readFileSync(log, 'utf8')) || `npm install failed (exit ${code}), see ${path.relative(root, log)}`;
    // Is the core itself installable? (A dry run of @nocobase/server alone.)
    const alone = path.join(dir, 'server-alone');
    mkdirSync(alone, { recursive: true });
    writeFileSync(path.join(alone, 'package.json'), '{ "private": true }\n');
    writeFileSync(path.join(alone, '.npmrc'), readFileSync(path.join(root, '.npmrc')));
    const core = spawnSync('npm', ['install', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund', `@nocobase/server@${version}`], { cwd: alone, encoding: 'utf8' });
    if (core.status !== 0) reason += `; @nocobase/server@${version} itself needs ${missingPackage(core.stdout + core.stderr) || 'packages that fail to install'}`;
    console.log(`✖ NocoBase ${version}: ${reason} (${since(t)})`);
    return { ok: false, reason, dir };
  }
  const got = JSON.parse(readFileSync(installed, 'utf8')).version;
  if (got !== version) return { ok: false, reason: `npm installed @nocobase/server ${got}, not ${version}`, dir };
  writeFileSync(stampFile, stamp);
  console.log(`✔ NocoBase ${version} installed (${since(t)})`);
  return { ok: true, dir, testVersion };
}

/** Runs `node <script>` with the NocoBase in `modules`; resolves to its exit code and summary line. */
function run(script, args, env, summaryPattern) {
  return new Promise((resolve) => {
    let last = '';
    const child = spawn(process.execPath, [path.join(root, script), ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      for (const l of String(d).split('\n')) if (summaryPattern.test(l)) last = l.trim();
    });
    child.on('exit', (c) => resolve({ code: c ?? 1, summary: last }));
  });
}

const versions = linesToTest();
console.log(`NocoBase lines to test: ${versions.join(', ')} (the plugin refuses cores older than ${SUPPORTED_MIN})`);
const testVersions = registryVersions('@nocobase/test');

// The tarball the package test installs is built from this tree: build once.
if (!process.argv.includes('--install-only') && spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] }).status !== 0) {
  console.error('✖ npm run build failed');
  process.exit(1);
}

const results = [];
for (const version of versions) {
  const t = Date.now();
  console.log(`\n=== NocoBase ${version} ===`);
  const supported = compare(version, SUPPORTED_MIN) >= 0;
  const installed = await install(version, testVersions);
  if (process.argv.includes('--install-only')) {
    results.push({ version, supported, install: installed.ok ? 'installed' : installed.reason, server: 'not run', package: 'not run', ok: installed.ok, seconds: Math.round((Date.now() - t) / 1000) });
    continue;
  }
  const result = { version, supported, install: installed.ok ? `installed (@nocobase/test ${installed.testVersion})` : installed.reason, server: '-', package: '-', ok: false };
  if (installed.ok) {
    const env = { NOCOBASE_NODE_MODULES: path.join(installed.dir, 'node_modules') };
    console.log(`\n--- server suite on NocoBase ${version} (SQLite) ---`);
    const server = await run('test/run-vitest.mjs', [], { ...env, TEST_SUITE_LABEL: `server tests on NocoBase ${version}` }, /^server tests on NocoBase .*: \d+ passed/);
    console.log(`\n--- package test on NocoBase ${version} ---`);
    const packaged = await run('test/package-test.mjs', [], { ...env, E2E_APP_SUFFIX: `nocobase-${version}` }, /^package test: \d+ passed/);
    result.server = server.summary.replace(/^.*: /, '') || `exit ${server.code}`;
    result.package = packaged.summary.replace(/^.*: /, '') || `exit ${packaged.code}`;
    result.ok = server.code === 0 && packaged.code === 0;
  }
  result.seconds = Math.round((Date.now() - t) / 1000);
  results.push(result);
}

console.log('\nNocoBase versions:');
for (const r of results) {
  const verdict = r.ok ? 'passes' : r.supported ? 'FAILS' : 'not supported (pm enable refuses)';
  console.log(`  ${r.version.padEnd(8)} ${verdict.padEnd(34)} install: ${r.install}; server suite: ${r.server}; package test: ${r.package} (${r.seconds} s)`);
}
const failed = results.filter((r) => r.supported && !r.ok);
console.log(`test:versions: ${results.filter((r) => r.ok).length} passed, ${failed.length} failed of ${results.length} lines (${since(started)})`);
process.exit(failed.length ? 1 : 0);
