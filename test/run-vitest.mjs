#!/usr/bin/env node
/**
 * Runs a vitest suite and ends with one plain `N passed, N failed` line; the per-file timings go
 * to node_modules/.cache/vitest-timings-<label>.json (slowest first), to see where the time goes. Extra args go to vitest. Env TEST_SUITE_LABEL names the suite in that line
 * (default "server tests"). Imported, `runVitest` does the same for other suites (test:hostile).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { orExit, requireNodeModules, root } from '../test-support/requirements.mjs';

/**
 * @param {{ args?: string[], label?: string, env?: NodeJS.ProcessEnv }} [options]
 * @returns {Promise<{ code: number, passed: number, failed: number, skipped: number }>}
 */
export async function runVitest({ args = [], label = 'server tests', env = process.env } = {}) {
  orExit(requireNodeModules);
  // One report per run, so runs in parallel (SQLite and Postgres suites) don't read each other's.
  const report = path.join(root, `node_modules/.cache/vitest-report-${process.pid}.json`);
  mkdirSync(path.dirname(report), { recursive: true });
  const status = await new Promise((resolve) => {
    const child = spawn(path.join(root, 'node_modules/.bin/vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile=${report}`, ...args], {
      cwd: root,
      stdio: 'inherit',
      env,
    });
    child.on('exit', (c) => resolve(c ?? 1));
  });
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
    const timings = (json.testResults ?? [])
      .map((f) => ({ file: path.relative(root, f.name), seconds: Math.round((f.endTime - f.startTime) / 100) / 10, tests: f.assertionResults?.length ?? 0 }))
      .sort((a, b) => b.seconds - a.seconds);
    writeFileSync(path.join(root, `node_modules/.cache/vitest-timings-${label.replace(/\W+/g, '-')}.json`), JSON.stringify(timings, null, 2));
    rmSync(report, { force: true });
  }
  console.log(`\n${label}: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return { code: status === 0 && failed === 0 && passed > 0 ? 0 : status || 1, passed, failed, skipped };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { code } = await runVitest({ args: process.argv.slice(2), label: process.env.TEST_SUITE_LABEL || 'server tests' });
  process.exit(code);
}
