/**
 * A real NocoBase app for the test scripts, made with the steps of scripts/dev-app.mjs (what
 * `npm start` does) in .e2e/<name> on a free port. Everything the app prints (install, upgrade,
 * CLI commands, servers) goes to .e2e/<name>/app.log; a step that fails throws with the end of
 * that log, so a passing run prints only the checks.
 */
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { appEnv, installApp, prepareApp, runCli, startServer, stopServer, waitHealthy } from '../scripts/dev-app.mjs';
import { freePort } from './free-port.mjs';
import { apiClient } from './http.mjs';
import { root } from './requirements.mjs';

export const ROOT_ACCOUNT = { email: 'admin@nocobase.com', password: 'admin123' };

/** The last `lines` lines of a log file. */
export function logTail(file, lines = 60) {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

/**
 * @param {object} options
 * @param {string} options.name folder under .e2e/
 * @param {number} [options.port] default: a free one
 * @param {boolean} [options.plugin] deploy and preset this plugin (default true); false: a stock app
 * @param {boolean} [options.reset] start from an empty database (default true)
 * @param {Record<string, string>} [options.env] added to the app's .env and to every process
 */
export async function testApp({ name, port, plugin = true, reset = true, env = {} }) {
  const appDir = path.join(root, '.e2e', name);
  await mkdir(appDir, { recursive: true });
  const log = path.join(appDir, 'app.log');
  port ??= await freePort();
  const url = `http://127.0.0.1:${port}`;
  const settings = { LOGGER_LEVEL: process.env.LOGGER_LEVEL || 'error', ...env };
  await prepareApp({ appDir, port, reset, plugin, env: settings, rootEmail: ROOT_ACCOUNT.email, rootPassword: ROOT_ACCOUNT.password });
  // The CLI reads .env without overriding variables already set: pass ours explicitly.
  const cliEnv = appEnv({ ...settings, APP_PORT: String(port) });
  /** @type {{ name: string, port: number, url: string, server: import('node:child_process').ChildProcess }[]} */
  const running = [];

  /** Runs `fn(fd)` with the log open for appending; a failure carries the log's end. */
  const logged = async (fn) => {
    const fd = openSync(log, 'a');
    try {
      return await fn(fd);
    } catch (err) {
      throw new Error(`${err.message}${err.hint ? ` ${err.hint}` : ''}\n--- end of ${path.relative(root, log)} ---\n${logTail(log)}`);
    } finally {
      closeSync(fd);
    }
  };

  return {
    name,
    appDir,
    port,
    url,
    log,
    /** The app's API (`<url>/api`). */
    api: apiClient(`${url}/api`),
    /** Links the plugins, then installs (`fresh`, the default) or upgrades and enables the plugin. */
    install: (fresh = true) => logged((fd) => installApp({ appDir, fresh, env: cliEnv, plugin, log: fd })),
    /** `nocobase <args>` in the app folder (throws when it fails). */
    cli: (/** @type {string[]} */ args, label = args.join(' ')) => logged((fd) => runCli(appDir, args, label, cliEnv, fd)),
    /**
     * Starts a server (`nocobase start`) and waits until it answers; `port`/`env` for a second
     * instance on the same data. Resolves to that instance.
     */
    start: ({ port: p = port, env: more = {}, label = 'server' } = {}) =>
      logged(async (fd) => {
        const server = startServer({ appDir, env: { ...cliEnv, APP_PORT: String(p), ...more }, stdio: ['ignore', fd, fd] });
        const instance = { name: label, port: p, url: `http://127.0.0.1:${p}`, server };
        running.push(instance);
        if (!(await waitHealthy(instance.url, { server, timeoutMs: 240_000 }))) throw new Error(`${name}: the ${label} did not start on ${instance.url}.`);
        return instance;
      }),
    /** Whether every started server is still running. */
    alive: () => running.every((i) => i.server.exitCode === null && i.server.signalCode === null),
    /** Stops every server it started (whole process groups). */
    stop: async () => {
      await Promise.all(running.splice(0).map((i) => stopServer(i.server)));
    },
    /** Resolves once the app answers again (after a restart it triggered, e.g. pm:enable). */
    waitHealthy: async () => {
      await new Promise((r) => setTimeout(r, 1000));
      return waitHealthy(url, { timeoutMs: 180_000 });
    },
  };
}

/** @typedef {Awaited<ReturnType<typeof testApp>>} TestApp */

/** A fresh app with this plugin, installed and started. */
export async function launchApp(/** @type {Parameters<typeof testApp>[0]} */ options) {
  // E2E_APP_SUFFIX keeps apps of runs side by side apart (.e2e/with-app-<suffix>).
  const suffix = process.env.E2E_APP_SUFFIX;
  const app = await testApp(suffix ? { ...options, name: `${options.name}-${suffix}` } : options);
  try {
    await app.install(true);
    await app.start();
  } catch (err) {
    await app.stop();
    throw err;
  }
  return app;
}
