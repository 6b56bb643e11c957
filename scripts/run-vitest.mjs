#!/usr/bin/env node
/**
 * Runs the server tests and ends with one plain `N passed, N failed` line. Extra args go to vitest.
 * Env TEST_SUITE_LABEL names the suite in that line (default "server tests").
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// One report per run, so runs in parallel (SQLite and Postgres suites) don't read each other's.
const report = path.join(root, `node_modules/.cache/vitest-report-${process.pid}.json`);
mkdirSync(path.dirname(report), { recursive: true });
const res = spawnSync(
  path.join(root, 'node_modules/.bin/vitest'),
  ['run', '--reporter=default', '--reporter=json', `--outputFile=${report}`, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);
let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  // Counted from the results themselves: the summary's numPassedTests includes skipped tests.
  const statuses = (json.testResults ?? []).flatMap((file) => (file.assertionResults ?? []).map((a) => a.status));
  passed = statuses.filter((s) => s === 'passed').length;
  skipped = statuses.filter((s) => ['skipped', 'pending', 'todo', 'disabled'].includes(s)).length;
  failed = statuses.filter((s) => s === 'failed').length + (json.numFailedTestSuites ?? 0);
  rmSync(report, { force: true });
}
console.log(`\n${process.env.TEST_SUITE_LABEL || 'server tests'}: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(res.status === 0 && failed === 0 && passed > 0 ? 0 : res.status || 1);
