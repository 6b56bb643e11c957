/**
 * What counts as an outage of the database or cache (503 TWO_FACTOR_UNAVAILABLE instead of a 500),
 * judged on the errors the real drivers throw when their server is not there. The end-to-end
 * behaviour (a stopped PostgreSQL under sign-ins on two instances) is `npm run test:faults`.
 */
import { createRequire } from 'node:module';
import net from 'node:net';
import { Client } from 'pg';
import { Sequelize, UniqueConstraintError, ValidationError } from 'sequelize';
import { ERROR_CODES } from '../../constants';
import { outageError, TwoFactorError } from '../errors';
import { isOutage } from '../outage';

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** The Redis client NocoBase's cache uses (cache-manager-redis-yet's own `redis`). */
const cacheRequire = createRequire(require.resolve('cache-manager-redis-yet'));
const { createClient } = cacheRequire('redis');

const rejection = async (p: Promise<unknown>) => p.then(() => undefined, (err) => err);

describe('isOutage', () => {
  it('recognises the errors of a database or cache that cannot be reached', async () => {
    const port = await closedPort();
    const pg = await rejection(new Client({ host: '127.0.0.1', port, user: 'x', password: 'x', database: 'x' }).connect());
    const sequelize = new Sequelize(`postgres://x:x@127.0.0.1:${port}/x`, { logging: false });
    const orm = await rejection(sequelize.authenticate());
    await sequelize.close();
    const redis = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false } });
    redis.on('error', () => undefined);
    const redisConnect = await rejection(redis.connect());
    const redisClosed = await rejection(redis.get('key'));

    expect(orm?.name).toBe('SequelizeConnectionRefusedError');
    for (const err of [pg, orm, redisConnect, redisClosed]) expect(isOutage(err)).toBe(true);
    // A server going down under an open connection: PostgreSQL's 57P01, wrapped by Sequelize.
    expect(isOutage({ name: 'SequelizeDatabaseError', parent: { code: '57P01', message: 'terminating connection due to administrator command' } })).toBe(true);
  });

  it('leaves every other error alone', () => {
    for (const err of [
      new TypeError('x is not a function'),
      new UniqueConstraintError({ message: 'duplicate' }),
      new ValidationError('bad', []),
      new TwoFactorError(ERROR_CODES.INVALID_CODE),
      { name: 'SequelizeDatabaseError', parent: { code: '23505' } },
      null,
      'ECONNREFUSED',
    ]) {
      expect(isOutage(err)).toBe(false);
    }
  });

  it('becomes 503 TWO_FACTOR_UNAVAILABLE with retryAfter', async () => {
    const refusal = outageError({}, { code: 'ECONNREFUSED' });
    expect(refusal?.code).toBe(ERROR_CODES.UNAVAILABLE);
    expect(refusal?.status).toBe(503);
    expect(refusal?.extra.retryAfter).toBeGreaterThan(0);
    expect(outageError({}, new Error('boom'))).toBeUndefined();
  });
});
