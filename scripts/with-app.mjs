#!/usr/bin/env node
/**
 * `node scripts/with-app.mjs <command…>`: boots a fresh real app the way `npm start` does (in
 * .e2e/with-app, on a free port), runs the command with BASE_URL set, stops the app, and exits
 * with the command's code. Used by `npm run test:browser`.
 */
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  console.error('usage: node scripts/with-app.mjs <command> [args…]');
  process.exit(2);
}
const port = await new Promise((resolve) => {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1', () => {
    const { port: p } = srv.address();
    srv.close(() => resolve(p));
  });
});
const app = spawn(process.execPath, [path.join(root, 'scripts/dev-app.mjs')], {
  cwd: root,
  env: { ...process.env, APP_PORT: String(port), APP_DIR: '.e2e/with-app', RESET: '1', LOGGER_LEVEL: 'error' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
const ready = await new Promise((resolve) => {
  app.stdout.on('data', (d) => {
    out += d;
    if (out.includes('NocoBase is running')) resolve(true);
  });
  app.on('exit', () => resolve(false));
});
let code = 1;
if (!ready) {
  console.error(`the app did not start:\n${out.slice(-3000)}`);
} else {
  const res = spawnSync(cmd, [...args, `http://127.0.0.1:${port}`], { cwd: root, stdio: 'inherit', env: { ...process.env, BASE_URL: `http://127.0.0.1:${port}` } });
  code = res.status ?? 1;
}
if (app.exitCode === null) {
  const exited = new Promise((r) => app.once('exit', r));
  app.kill('SIGTERM');
  await exited;
}
process.exit(code);
