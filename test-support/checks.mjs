/**
 * The pass/fail reporter of the test scripts: each check prints one line as it goes, and the run
 * ends with `<name>: N passed, N failed (T s)` and an exit code (non-zero on any failure, on a
 * thrown error, or when nothing was checked).
 */

/**
 * @typedef {(label: string, ok: unknown, detail?: unknown, startedAt?: number) => boolean} Check
 *   Records one check; `detail` is printed (cut to 600 characters) only when it failed;
 *   `startedAt` (Date.now() of when the checked step began) adds its duration to the line.
 */

const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/**
 * Runs `main(check)`, then prints the summary line and exits. `cleanup` runs after `main` whatever
 * happened (stop apps and servers there).
 * @param {string} name
 * @param {(check: Check) => Promise<void>} main
 * @param {{ cleanup?: () => Promise<void> }} [options]
 * @returns {Promise<never>}
 */
export async function runChecks(name, main, { cleanup } = {}) {
  const started = Date.now();
  let passed = 0;
  let failed = 0;
  /** @type {Check} */
  const check = (label, ok, detail = '', startedAt) => {
    if (ok) passed++;
    else failed++;
    const time = startedAt ? ` (${seconds(startedAt)})` : '';
    const why = ok || detail === '' || detail === undefined ? '' : ` — ${String(detail).slice(0, 600)}`;
    console.log(`${ok ? '✔' : '✖'} ${label}${time}${why}`);
    return !!ok;
  };
  try {
    await main(check);
  } catch (err) {
    failed++;
    console.error(`✖ ${name} stopped: ${err?.stack || err}`);
  } finally {
    if (cleanup) {
      try {
        await cleanup();
      } catch (err) {
        console.error(`cleanup failed: ${err?.stack || err}`);
      }
    }
  }
  console.log(`\n${name}: ${passed} passed, ${failed} failed (${seconds(started)})`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}
