/**
 * What the test commands need from the machine beyond npm packages (Debian's chromium, PostgreSQL,
 * MariaDB, redis-server): found on PATH, installed with apt-get when we are root and apt is there (as
 * .ci/run does), or else a `RequirementError` that names the one command that fixes it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A missing requirement; `fix` is the command to run. */
export class RequirementError extends Error {
  /** @param {string} message @param {string} fix */
  constructor(message, fix) {
    super(`${message}\n  → ${fix}`);
    this.fix = fix;
  }
}

/** The path of `cmd` on PATH, or null. */
export function which(/** @type {string} */ cmd) {
  const res = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return res.status === 0 && res.stdout.trim() ? res.stdout.trim() : null;
}

/**
 * Makes sure `found()` gives something, installing Debian `packages` when it does not.
 * @template T
 * @param {string} what e.g. "Chromium"
 * @param {string[]} packages
 * @param {() => T | null} found
 * @returns {T}
 */
export function ensureDebian(what, packages, found) {
  const have = found();
  if (have) return have;
  const fix = `${process.getuid?.() === 0 ? '' : 'sudo '}apt-get install -y ${packages.join(' ')}`;
  if (process.getuid?.() !== 0 || !which('apt-get')) throw new RequirementError(`${what} is not installed.`, fix);
  console.log(`== ${what} is missing: apt-get install -y ${packages.join(' ')}`);
  const apt = (/** @type {string[]} */ args) =>
    spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', ...args], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  // The package lists may be missing or stale on a fresh machine: update once if the install fails.
  if (!apt(['install', '-y', '-qq', ...packages])) {
    if (!apt(['update', '-qq']) || !apt(['install', '-y', '-qq', ...packages])) throw new RequirementError(`Installing ${what} failed (see above).`, `apt-get update && ${fix}`);
  }
  const now = found();
  if (!now) throw new RequirementError(`${what} is still missing after apt-get install.`, fix);
  return now;
}

/** Debian's chromium (or $CHROMIUM_PATH), for the browser tests. */
export function chromiumPath() {
  if (process.env.CHROMIUM_PATH) {
    if (existsSync(process.env.CHROMIUM_PATH)) return process.env.CHROMIUM_PATH;
    throw new RequirementError(`CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist.`, 'unset CHROMIUM_PATH, or point it at a chromium binary');
  }
  return ensureDebian('Chromium', ['chromium', 'fonts-noto-cjk'], () => which('chromium'));
}

/** The folder holding initdb and pg_ctl: PATH first, then the newest Debian /usr/lib/postgresql/<v>/bin. */
export function postgresBinDir() {
  const find = () => {
    const onPath = which('pg_ctl');
    if (onPath && which('initdb')) return path.dirname(onPath);
    const base = '/usr/lib/postgresql';
    const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(path.join(base, v, 'bin/pg_ctl'))) : [];
    versions.sort((a, b) => Number(b) - Number(a));
    return versions.length ? path.join(base, versions[0], 'bin') : null;
  };
  return ensureDebian('PostgreSQL', ['postgresql'], find);
}

/** MariaDB's server and its data-directory initialiser: `{ server, installDb }` (PATH, then /usr/sbin). */
export function mariadbPaths() {
  const find = () => {
    const server = which('mariadbd') || ['/usr/sbin/mariadbd', '/usr/libexec/mariadbd'].find((p) => existsSync(p));
    const installDb = which('mariadb-install-db') || ['/usr/bin/mariadb-install-db'].find((p) => existsSync(p));
    return server && installDb ? { server, installDb } : null;
  };
  return ensureDebian('MariaDB', ['mariadb-server'], find);
}

/** redis-server's path. */
export function redisServerPath() {
  return ensureDebian('redis-server', ['redis-server'], () => which('redis-server'));
}

/** The npm packages: NocoBase, vitest and friends in node_modules. */
export function requireNodeModules() {
  for (const bin of ['vitest', 'nocobase', 'tsc', 'esbuild']) {
    if (!existsSync(path.join(root, 'node_modules/.bin', bin))) throw new RequirementError(`node_modules/.bin/${bin} is missing.`, 'npm install');
  }
}

/**
 * For a script's top level: runs `fn`, and on a RequirementError prints its message (no stack)
 * and exits 1.
 * @template T
 * @param {() => T} fn
 * @returns {T}
 */
export function orExit(fn) {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof RequirementError)) throw err;
    console.error(`\n✖ ${err.message}`);
    process.exit(1);
  }
}
