#!/usr/bin/env node
/**
 * `npm run bench`: compiles each bench/*.bench.ts with esbuild and runs it in a fresh Node process
 * (one after the other, never in parallel), collects the figures each prints, shows one table at
 * the end and, when every bench ran, rewrites the table in docs/benchmarks.md.
 *
 *   npm run bench                 every benchmark
 *   npm run bench -- totp scale   only the named ones (docs/benchmarks.md is left alone)
 */
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = path.join(root, 'bench');
const outDir = path.join(root, 'node_modules/.cache/open2fa-bench');
const docsFile = path.join(root, 'docs/benchmarks.md');
const START = '<!-- bench-table:start -->';
const END = '<!-- bench-table:end -->';

/** Run order: cheap first, the long memory run last. */
const ORDER = ['totp', 'plugin-overhead', 'sign-in', 'scale', 'memory'];

const all = readdirSync(benchDir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99));
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Available: ${all.join(', ')}`);
  process.exit(1);
}
const selected = wanted.length ? all.filter((b) => wanted.includes(b)) : all;

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
await build({
  entryPoints: Object.fromEntries(selected.map((b) => [b, path.join(benchDir, `${b}.bench.ts`)])),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outdir: outDir,
  sourcemap: 'inline',
  // The host's packages stay external, as in the plugin's own build; our code and otplib are bundled.
  external: ['@nocobase/*', 'sequelize', 'koa', 'lodash', 'dayjs', 'sqlite3', 'pg', 'mysql2', 'mariadb', 'jsonwebtoken'],
  logLevel: 'warning',
});

const storage = path.join(outDir, 'storage');
mkdirSync(storage, { recursive: true });
const env = {
  ...process.env,
  NODE_MODULES_PATH: path.join(root, 'node_modules'),
  STORAGE_PATH: storage,
  BENCH_TMP: outDir,
  LOGGER_TRANSPORT: 'console',
  LOGGER_LEVEL: 'error',
  DB_DIALECT: 'sqlite',
  DB_STORAGE: ':memory:',
  APP_ENV: 'test',
  APP_KEY: 'bench-app-key',
  CACHE_DEFAULT_STORE: 'memory',
  INIT_ROOT_EMAIL: 'admin@nocobase.com',
  INIT_ROOT_PASSWORD: 'admin123',
};
delete env.TWO_FACTOR_ENFORCEMENT;
delete env.TWO_FACTOR_ENCRYPTION_KEY;

function runOne(name) {
  return new Promise((resolve) => {
    const results = [];
    const started = Date.now();
    const child = spawn(process.execPath, ['--expose-gc', '--enable-source-maps', path.join(outDir, `${name}.js`)], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('BENCH_RESULT ')) {
          const r = JSON.parse(line.slice('BENCH_RESULT '.length));
          results.push(r);
          console.log(`  ${r.pass ? 'PASS' : 'FAIL'} ${r.title}: ${r.measured} (target ${r.target})`);
        } else if (line.trim()) {
          console.log(line);
        }
      }
    });
    child.on('close', (code) => resolve({ name, code, results, seconds: (Date.now() - started) / 1000 }));
  });
}

const cpu = os.cpus()[0]?.model?.replace(/\s+/g, ' ').trim() || 'unknown CPU';
const machine = `${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GB, ${os.type()} ${os.release()}, Node ${process.version}`;
const startedAt = new Date();
console.log(`open2fa benchmarks — ${machine}`);
console.log(`load average at start: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);

const runs = [];
for (const name of selected) {
  console.log(`▶ ${name}`);
  const run = await runOne(name);
  runs.push(run);
  console.log(`  (${run.seconds.toFixed(0)} s${run.code ? `, exit code ${run.code}` : ''})\n`);
}

const results = runs.flatMap((r) => r.results);
const crashed = runs.filter((r) => r.code !== 0 && r.code !== 1);
const wall = (Date.now() - startedAt.getTime()) / 1000;

function table(rows) {
  const head = ['benchmark', 'target', 'measured', 'result'];
  const body = rows.map((r) => [r.title, r.target, r.measured, r.pass ? 'pass' : 'FAIL']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

console.log('='.repeat(100));
console.log(table(results));
console.log('-'.repeat(100));
for (const r of results) console.log(`${r.title}: ${r.detail}`);
console.log(`\n${results.filter((r) => r.pass).length}/${results.length} targets met; wall time ${Math.round(wall)} s; load average at end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (const c of crashed) console.log(`benchmark ${c.name} crashed (exit code ${c.code})`);

if (!wanted.length && !crashed.length && existsSync(docsFile)) {
  const md = readFileSync(docsFile, 'utf8');
  const a = md.indexOf(START);
  const b = md.indexOf(END);
  if (a >= 0 && b > a) {
    const esc = (s) => String(s).replace(/\|/g, '\\|');
    const rows = results.map((r) => `| ${esc(r.title)} | ${esc(r.target)} | ${esc(r.measured)} | ${r.pass ? 'pass' : '**fail**'} |`);
    const block = [
      START,
      `Latest run: ${startedAt.toISOString().slice(0, 10)} on ${machine}; \`npm run bench\` took ${Math.round(wall)} s.`,
      '',
      '| benchmark | target | measured | result |',
      '|---|---|---|---|',
      ...rows,
      '',
      ...results.map((r) => `- *${esc(r.title)}*: ${r.detail}`),
      END,
    ].join('\n');
    writeFileSync(docsFile, md.slice(0, a) + block + md.slice(b + END.length));
    console.log(`\nUpdated ${path.relative(root, docsFile)}.`);
  }
}
process.exit(crashed.length ? 1 : 0);
