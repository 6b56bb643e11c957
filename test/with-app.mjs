#!/usr/bin/env node
/**
 * `node test/with-app.mjs <command…>`: boots a fresh real app the way `npm start` does (in
 * .e2e/with-app, on a free port, its output in .e2e/with-app/app.log), runs the command with the
 * app's URL as last argument and in BASE_URL, stops the app, and exits with the command's code.
 * The app's log is printed when the command fails. Used by `npm run test:browser`.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { launchApp, logTail } from '../test-support/app.mjs';
import { orExit, requireNodeModules, root } from '../test-support/requirements.mjs';

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  console.error('usage: node test/with-app.mjs <command> [args…]');
  process.exit(2);
}
orExit(requireNodeModules);
let app;
try {
  app = await launchApp({ name: 'with-app' });
} catch (err) {
  console.error(`✖ the app did not start: ${err.message}`);
  process.exit(1);
}
const res = spawnSync(cmd, [...args, app.url], { cwd: root, stdio: 'inherit', env: { ...process.env, BASE_URL: app.url } });
const code = res.status ?? 1;
if (code !== 0) console.error(`\n--- end of ${path.relative(root, app.log)} ---\n${logTail(app.log)}`);
await app.stop();
process.exit(code);
