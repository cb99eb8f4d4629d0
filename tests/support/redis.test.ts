import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { SKIP_REDIS, startRedis } from './redis.ts';

describe.skipIf(SKIP_REDIS)('test Redis', () => {
  it('starts a real redis-server on a free port, survives a kill and restart', async () => {
    const r = await startRedis();
    try {
      const c = new Redis(r.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await c.connect();
      await c.set('k', 'v');
      expect(await c.get('k')).toBe('v');
      c.disconnect();
      await r.kill();
      await r.restart();
      const d = new Redis(r.url);
      expect(await d.get('k')).toBe(null); // no persistence
      d.disconnect();
    } finally {
      await r.stop();
    }
  });
});
