#!/usr/bin/env node
/**
 * `npm test`: typecheck, the server tests (vitest, SQLite in memory) and the browser tests
 * (chromium against a fresh real app: the v1 client, then the v2 client as installed and after a
 * restart with APP_CLIENT_ENTRY_MODE=modern-only), printing the runners' results and failures, not server
 * logs. The app boots while the typecheck runs; its output goes to .e2e/with-app/app.log, printed
 * only when something fails. Every phase runs even when an earlier one failed, so one run shows
 * every failure; it ends with the phases that failed and how long each phase took.
 *
 *   node test/all.mjs                    everything (npm test)
 *   node test/all.mjs browser            only the browser tests (npm run test:browser)
 *   node test/all.mjs typecheck server   any subset, in this order
 *
 * Before anything starts it checks what the run needs from the machine: node_modules, and
 * Debian's chromium for the browser tests (installed with apt-get when run as root, otherwise it
 * stops with the command to run).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { launchApp, logTail } from '../test-support/app.mjs';
import { chromiumPath, orExit, requireNodeModules, root } from '../test-support/requirements.mjs';
import { runVitest } from './run-vitest.mjs';

const PHASES = ['typecheck', 'server', 'browser'];
const asked = process.argv.slice(2);
const unknown = asked.filter((p) => !PHASES.includes(p));
if (unknown.length) {
  console.error(`unknown phase(s): ${unknown.join(', ')}; choose from ${PHASES.join(', ')}`);
  process.exit(2);
}
const wanted = new Set(asked.length ? asked : PHASES);
const title = asked.length ? `tests (${PHASES.filter((p) => wanted.has(p)).join(', ')})` : 'npm test';
const started = Date.now();
/** @type {[string, number][]} */
const timings = [];
const secondsSince = (t) => (Date.now() - t) / 1000;
const fmt = (s) => (s >= 60 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${s.toFixed(1)} s`);

/** Runs a command with its output kept; resolves to { code, output }. */
function quiet(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** Times `fn` as phase `name`. */
async function phase(name, fn) {
  const t = Date.now();
  try {
    return await fn();
  } finally {
    timings.push([name, secondsSince(t)]);
  }
}

let app = null;

/** Runs one browser script against `url`; resolves to its exit code. */
const browserScript = (script, args) =>
  new Promise((resolve) => spawn(process.execPath, [path.join(root, 'e2e', script), ...args], { cwd: root, stdio: 'inherit' }).on('exit', (c) => resolve(c ?? 1)));

/**
 * The v2 client's browser tests on the same app: as installed, then restarted with
 * APP_CLIENT_ENTRY_MODE=modern-only. The NocoBase CLI writes the entry mode into
 * @nocobase/app's dist/client/index.html (one file for every app using these node_modules), so
 * the file is put back as it was once that server stops. Resolves to the names of failed phases.
 */
async function v2BrowserTests(/** @type {import('../test-support/app.mjs').TestApp} */ ready) {
  const failures = [];
  console.log('\n== browser tests, v2 client (chromium)');
  if ((await phase('browser tests (v2)', () => browserScript('v2-client.mjs', [ready.url, 'default']))) !== 0) failures.push('browser tests (v2)');
  const indexHtml = path.join(root, 'node_modules/@nocobase/app/dist/client/index.html');
  const before = existsSync(indexHtml) ? readFileSync(indexHtml) : null;
  try {
    console.log('\n== browser tests, v2 client, APP_CLIENT_ENTRY_MODE=modern-only (chromium)');
    const restarted = await phase('restart with APP_CLIENT_ENTRY_MODE=modern-only', async () => {
      await ready.stop();
      return ready.start({ env: { APP_CLIENT_ENTRY_MODE: 'modern-only' } }).catch((err) => err);
    });
    if (restarted instanceof Error) {
      console.error(`✖ the app did not restart in modern-only mode: ${restarted.message}`);
      failures.push('browser tests (v2, modern-only)');
    } else if ((await phase('browser tests (v2, modern-only)', () => browserScript('v2-client.mjs', [ready.url, 'modern-only']))) !== 0) {
      failures.push('browser tests (v2, modern-only)');
    }
  } finally {
    await ready.stop();
    if (before) writeFileSync(indexHtml, before);
  }
  if (failures.length) console.error(`\n--- end of ${path.relative(root, ready.log)} ---\n${logTail(ready.log)}`);
  return failures;
}
/** @type {string[]} */
const failed = [];
const bin = (name) => path.join(root, 'node_modules/.bin', name);

await phase('requirements', async () => {
  orExit(requireNodeModules);
  if (wanted.has('browser')) orExit(chromiumPath);
});

// The app for the browser tests boots while the typecheck and the server tests start.
let booting = null;
if (wanted.has('browser')) {
  const build = await phase('build', () => quiet(process.execPath, [path.join(root, 'scripts/build.mjs')]));
  if (build.code !== 0) {
    console.error(`✖ npm run build failed:\n${build.output}`);
    process.exit(1);
  }
  const t = Date.now();
  booting = launchApp({ name: 'with-app' }).then(
    (a) => {
      timings.push(['app boot (install + start, in the background)', secondsSince(t)]);
      return (app = a);
    },
    (err) => err,
  );
}

try {
  if (wanted.has('typecheck')) {
    console.log('== typecheck (tsc --noEmit)');
    const tsc = await phase('typecheck', () => quiet(bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']));
    if (tsc.code !== 0) {
      console.error(tsc.output.trim());
      failed.push('typecheck');
    } else console.log('typecheck: no errors');
  }

  if (wanted.has('server')) {
    console.log('\n== server tests (vitest)');
    mkdirSync(path.join(root, 'node_modules/.cache'), { recursive: true });
    const res = await phase('server tests', () => runVitest());
    if (res.code !== 0) failed.push('server tests');
  }

  if (booting) {
    console.log('\n== browser tests (chromium)');
    const ready = await phase('waiting for the app', () => booting);
    if (ready instanceof Error) {
      console.error(`✖ the app for the browser tests did not start: ${ready.message}`);
      failed.push('app boot');
    } else {
      const res = await phase('browser tests', () =>
        new Promise((resolve) => spawn(process.execPath, [path.join(root, 'e2e/run.mjs'), ready.url], { cwd: root, stdio: 'inherit' }).on('exit', (c) => resolve(c ?? 1))),
      );
      if (res !== 0) {
        failed.push('browser tests');
        console.error(`\n--- end of ${path.relative(root, ready.log)} ---\n${logTail(ready.log)}`);
      }
      failed.push(...(await v2BrowserTests(ready)));
    }
  }
} finally {
  if (booting) await booting;
  await app?.stop();
}

const total = secondsSince(started);
timings.push(['total', total]);
mkdirSync(path.join(root, 'node_modules/.cache'), { recursive: true });
writeFileSync(path.join(root, 'node_modules/.cache/npm-test-timings.json'), JSON.stringify(Object.fromEntries(timings), null, 2));
console.log(`\n${failed.length ? `✖ ${title} failed: ${failed.join(', ')}` : `✔ ${title} passed`} (${fmt(total)})`);
console.log(timings.filter(([n]) => n !== 'total').map(([n, s]) => `  ${n}: ${fmt(s)}`).join('\n'));
process.exit(failed.length ? 1 : 0);
