#!/usr/bin/env node
/**
 * `npm run test:hostile`: the hostile-input suite (src/server/__hostile__) on a real NocoBase server
 * over real HTTP. Prints requests sent, 5xx seen, sessions issued without a second factor and rows
 * changed by refused requests; exits non-zero unless every count but the first is 0 and the suite
 * passed. Extra args go to vitest. Runs on SQLite in memory unless DB_* / CACHE_* say otherwise.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { root } from '../test-support/requirements.mjs';
import { runVitest } from './run-vitest.mjs';

const report = path.join(root, 'node_modules/.cache/hostile-report.json');
mkdirSync(path.dirname(report), { recursive: true });
rmSync(report, { force: true });

const res = await runVitest({
  args: ['-c', 'vitest.hostile.config.mts', ...process.argv.slice(2)],
  label: 'hostile suite (vitest)',
  env: { ...process.env, HOSTILE_REPORT: report },
});

if (!existsSync(report)) {
  console.error('\n✖ the hostile suite wrote no report (it did not get to run its requests)');
  process.exit(res.code || 1);
}
const r = JSON.parse(readFileSync(report, 'utf8'));
const mustBeZero = {
  '5xx seen': r.serverErrors,
  'sessions issued without a second factor': r.sessionsIssued,
  'rows changed by refused requests': r.rowsChanged,
  'hostile requests not refused': r.notRefused,
  'refusals not shaped { errors: [{ code, message }] }': r.wrongShape,
  'refusals with another code than expected': r.wrongCode,
  'requests without an HTTP answer': r.transportErrors,
};
console.log(`\nhostile suite: ${r.requests} requests sent over ${Object.keys(r.byAction).length} actions`);
for (const [label, n] of Object.entries(mustBeZero)) console.log(`  ${n === 0 ? '✔' : '✖'} ${label}: ${n}`);
const MIN_REQUESTS = 300;
if (r.requests < MIN_REQUESTS) console.log(`  ✖ fewer than ${MIN_REQUESTS} requests were sent`);
const failed = Object.values(mustBeZero).some((n) => n !== 0) || r.requests < MIN_REQUESTS || res.code !== 0;
console.log(failed ? '\n✖ hostile suite failed' : '\n✔ hostile suite passed');
process.exit(failed ? res.code || 1 : 0);
