/**
 * Two (or more) real NocoBase processes on one PostgreSQL and one Redis, for the load and fault
 * tests: the way test/two-instances.mjs starts them (services from scripts/services.mjs, one app
 * folder in .e2e/<name>, one APP_KEY, instances started one after the other), plus what those
 * tests need on top: many users made at once, and instances that can be killed and started again.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { appEnv, startServer } from '../scripts/dev-app.mjs';
import { createDatabase, pgQuery, startServices } from '../scripts/services.mjs';
import { testApp } from './app.mjs';
import { bindTotp, createUser, signInRoot } from './flows.mjs';
import { apiClient, bearer, show } from './http.mjs';
import { freePort } from './free-port.mjs';
import { root } from './requirements.mjs';
import { rfcTotp } from './totp.mjs';

export const since = (/** @type {number} */ t) => `${((Date.now() - t) / 1000).toFixed(1)} s`;

/** Builds the plugin when dist/ is missing (as test:cluster does). */
export function ensureBuilt() {
  if (existsSync(path.join(root, 'dist/server/index.js')) && existsSync(path.join(root, 'dist/client/index.js'))) return;
  console.log('→ dist/ is missing: npm run build');
  const res = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) throw new Error('npm run build failed');
}

/**
 * PostgreSQL + Redis, one app installed on them, and `count` servers started one after the other.
 * @param {{ name: string, count?: number, own?: boolean, persistRedis?: boolean, env?: Record<string, string>, password: string }} options
 */
export async function bootCluster({ name, count = 2, own = false, persistRedis = false, env = {}, password }) {
  ensureBuilt();
  const suffix = process.env.E2E_APP_SUFFIX;
  const folder = suffix ? `${name}-${suffix}` : name;
  const database = `open2fa_${folder.replace(/[^a-z0-9]/gi, '_')}`;
  const services = await startServices({ name: folder, own, persistRedis });
  /** @type {import('./app.mjs').TestApp | undefined} */
  let app;
  const stopAll = async () => {
    await app?.stop();
    await services.stop();
  };
  try {
    await createDatabase(services.pg, database);
    const shared = { ...services.env, DB_DATABASE: database, ...env };
    const ports = [];
    for (let i = 0; i < count; i++) ports.push(await freePort());
    let t = Date.now();
    app = await testApp({ name: folder, port: ports[0], env: shared });
    await app.install(true);
    console.log(`→ installed on PostgreSQL ${services.pgVersion}, database ${database} (${since(t)})`);
    t = Date.now();
    const instances = [];
    for (let i = 0; i < count; i++) instances.push(await startInstance(app, String.fromCharCode(65 + i), ports[i]));
    console.log(`→ ${instances.map((i) => `${i.label} on :${i.port}`).join(', ')}, all healthy (${since(t)})`);
    const db = { ...services.pg, database };
    return {
      /** The NocoBase settings every instance runs with (DB_*, CACHE_*). */
      env: shared,
      services,
      app,
      instances,
      db,
      /** Root's session, taken before any policy can require a second factor of root. */
      rootToken: await signInRoot(instances[0].api),
      /** One statement on the app's database. */
      sql: (/** @type {string} */ text) => pgQuery(db, text),
      stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** @typedef {Awaited<ReturnType<typeof bootCluster>>} Cluster */

/**
 * `nocobase start` on `port` in the cluster's folder with its own gateway socket. The instance
 * carries its API client (`api`, a new connection per request, which survives restarts).
 * @param {import('./app.mjs').TestApp} app
 */
export async function startInstance(app, label, port) {
  linkPlugin(app);
  const started = await app.start({ port, env: { SOCKET_PATH: `storage/gateway-${label.toLowerCase()}.sock` }, label: `instance ${label}` });
  return { label, port, url: started.url, server: started.server, api: apiClient(`${started.url}/api`, { name: label }) };
}

/** @typedef {Awaited<ReturnType<typeof startInstance>>} Instance */

/**
 * Points node_modules/<package> at this app's deployed plugin, as `nocobase postinstall` does.
 * NocoBase loads plugins with `require(<package>)`, which resolves through the checkout's
 * node_modules that every app folder shares: an app installed elsewhere meanwhile would otherwise
 * have a restarted instance load its copy.
 */
export function linkPlugin(app) {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).name;
  const link = path.join(root, 'node_modules', pkg);
  const target = path.join(app.appDir, 'storage/plugins', pkg);
  if (!existsSync(target)) return;
  const temp = `${link}.${process.pid}.tmp`;
  rmSync(temp, { force: true });
  symlinkSync(target, temp, 'dir');
  renameSync(temp, link);
}

/**
 * `count` users `<prefix>1…` with `roles` and password `password`: the first through the API
 * (`users:create`, which hashes the password), the rest as copies of its row in one statement
 * each (same password hash, own id, username and email), so making hundreds of users costs no
 * password hashes. Returns their usernames.
 * @param {Cluster} cluster
 */
export async function createUsers(cluster, { prefix, count, password, roles = ['member'] }) {
  const first = `${prefix}1`;
  await createUser(cluster.instances[0].api, cluster.rootToken, { username: first, password, roles });
  if (count > 1) {
    const { rows } = await cluster.sql(`SELECT id FROM users WHERE username = '${first}'`);
    const id = rows[0].id;
    await cluster.sql(`
      INSERT INTO users (username, email, password, nickname, "createdAt", "updatedAt")
      SELECT '${prefix}' || n, '${prefix}' || n || '@example.com', password, '${prefix}' || n, now(), now()
      FROM users, generate_series(2, ${count}) AS n WHERE id = ${id}`);
    await cluster.sql(`
      INSERT INTO "rolesUsers" ("userId", "roleName", "createdAt", "updatedAt")
      SELECT u.id, r."roleName", now(), now() FROM users u, "rolesUsers" r
      WHERE r."userId" = ${id} AND u.username LIKE '${prefix}%' AND u.id <> ${id}`);
  }
  return Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);
}

/**
 * Binds TOTP for each of `usernames` over HTTP (password step and bindStart on one instance, bind
 * on the other), `concurrency` at a time. Returns `{ username, secret, lastStep, sessionJti }` per
 * user; `lastStep` is the TOTP step the bind used (the plugin refuses it and every earlier one
 * after), `sessionJti` the session the bind signed the user in with.
 * @param {Cluster} cluster
 */
export async function bindAll(cluster, usernames, password, concurrency = 8) {
  const [A, B] = cluster.instances.map((i) => apiClient(`${i.url}/api`, { name: i.label, password }));
  const out = [];
  let next = 0;
  const worker = async (w) => {
    while (next < usernames.length) {
      const username = usernames[next++];
      const [first, second] = w % 2 ? [A, B] : [B, A];
      const stepBefore = Math.floor(Date.now() / 30_000);
      let bound;
      // A connection cut on a loaded machine (EPIPE, ECONNRESET) is retried with a new sign-in.
      for (let attempt = 1; !bound; attempt++) {
        try {
          bound = await bindTotp(first, username, password, { finishOn: second || first });
        } catch (err) {
          if (attempt === 3) throw err;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
      if (bound.bound.status !== 200 || !bound.session) throw new Error(`binding TOTP for ${username} failed: ${show(bound.start)} / ${show(bound.bound)}`);
      // totpClock used the current step (or the next one when the step turned meanwhile).
      out.push({ username, secret: bound.secret, lastStep: Math.max(stepBefore, Math.floor(Date.now() / 30_000)), sessionJti: jtiOf(bound.session) });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return out;
}

/** Sets the 2FA policy as root; throws unless it was accepted. */
export async function setPolicy(cluster, values) {
  const res = await cluster.instances[0].api.post('twoFactorSettings:update', values, bearer(cluster.rootToken));
  if (res.status !== 200) throw new Error(`twoFactorSettings:update failed: ${show(res)}`);
}

/** The `jti` claim of a session token (JWT), to match it with its `issuedTokens` row. */
export function jtiOf(/** @type {string} */ token) {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).jti;
  } catch {
    return undefined;
  }
}

/** The p-th percentile (0–100) of `values` (nearest rank), in the values' unit. */
export function percentile(values, p) {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * `nocobase start` for instance `label` on `port` without waiting for it (a supervisor's restart);
 * its output goes to the app's log. Stop it with stopServer (scripts/dev-app.mjs).
 * @param {Cluster} cluster
 */
export function spawnServer(cluster, label, port) {
  linkPlugin(cluster.app);
  const fd = openSync(cluster.app.log, 'a');
  try {
    const env = appEnv({ LOGGER_LEVEL: process.env.LOGGER_LEVEL || 'error', ...cluster.env, APP_PORT: String(port), SOCKET_PATH: `storage/gateway-${label.toLowerCase()}.sock` });
    return startServer({ appDir: cluster.app.appDir, env, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
}

/**
 * What `/api/__health_check` says: 'ok'; 'starting' while the app loads; 'error: <code>' when
 * its start failed (the process stays up, answering 503); 'down' when nothing answers.
 */
export async function healthOf(url) {
  try {
    const res = await fetch(`${url}/api/__health_check`, { signal: AbortSignal.timeout(3000) });
    const text = (await res.text()).trim();
    if (res.ok && text === 'ok') return 'ok';
    let code = '';
    try {
      code = JSON.parse(text)?.error?.code || '';
    } catch {}
    // A failed start: APP_ERROR, or the code of the connection that failed (ECONNREFUSED …).
    return /^(APP_ERROR|E[A-Z]+)$/.test(code) ? `error: ${code}` : 'starting';
  } catch {
    return 'down';
  }
}

/** The current 30 s TOTP step. */
export const stepNow = () => Math.floor(Date.now() / 30_000);

/**
 * Enrolled 2FA users (from `bindAll`). `take()` hands out one whose code for the current step is
 * still unused, marks the step used and gives the code; with none free it polls until one is
 * (a later step, or a user given back), and counts that in `stats` (`waits`, `waitedMs`).
 * `give(user, false)`: no code was sent, so the step stays unused.
 */
export function totpPool(users) {
  const pool = users.map((u) => ({ ...u, busy: false }));
  const stats = { waits: 0, waitedMs: 0 };
  const free = (step) => pool.find((u) => !u.busy && u.lastStep < step);
  return {
    stats,
    size: () => pool.length,
    all: () => pool,
    add: (more) => pool.push(...more.map((u) => ({ ...u, busy: false }))),
    async take() {
      const started = Date.now();
      let waited = false;
      for (;;) {
        const step = stepNow();
        const user = free(step);
        if (user) {
          if (waited) stats.waitedMs += Date.now() - started;
          user.busy = true;
          user.previousStep = user.lastStep;
          user.lastStep = step;
          return { user, step, code: rfcTotp(user.secret, { time: step * 30 }) };
        }
        if (!waited) stats.waits++;
        waited = true;
        await new Promise((r) => setTimeout(r, 500));
      }
    },
    give: (user, sent = true) => {
      if (!sent) user.lastStep = user.previousStep;
      user.busy = false;
    },
  };
}
