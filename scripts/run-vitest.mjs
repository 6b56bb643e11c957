#!/usr/bin/env node
/** Runs the server tests and ends with one plain `N passed, N failed` line. Extra args go to vitest. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const report = path.join(root, 'node_modules/.cache/vitest-report.json');
mkdirSync(path.dirname(report), { recursive: true });
const res = spawnSync(
  path.join(root, 'node_modules/.bin/vitest'),
  ['run', '--reporter=default', '--reporter=json', `--outputFile=${report}`, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);
let passed = 0;
let failed = 0;
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed = json.numPassedTests ?? 0;
  failed = (json.numFailedTests ?? 0) + (json.numFailedTestSuites ?? 0);
}
console.log(`\nserver tests: ${passed} passed, ${failed} failed`);
process.exit(res.status === 0 && failed === 0 && passed > 0 ? 0 : res.status || 1);
