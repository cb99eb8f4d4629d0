/**
 * Redis for a game server spread over several processes (`arena serve --redis <url>`): Colyseus'
 * presence (pub/sub between the processes: seat reservations and room creation on another process)
 * and driver (the shared list of rooms), on the connections of a RedisLink (src/net/redis.ts), which
 * also carries the match-record stream (match-stream.ts).
 *
 * Faults are the link's: an unreachable Redis at start is one line naming the URL; a Redis lost later
 * is retried with backoff while commands wait for it, so the rooms this process hosts go on playing,
 * matchmaking answers once Redis is back, and the log says when it is lost, still lost and back.
 */
import { createRequire } from 'node:module';
import { RedisDriver } from '@colyseus/redis-driver';
import { RedisPresence } from '@colyseus/redis-presence';
import { RedisLink, type RedisClass } from '../src/net/redis.ts';

/** What a server process' link says when Redis is lost and when it is back. */
const SERVER_LINK = {
  who: 'server',
  whileDown: 'this process keeps serving the rooms it hosts; matchmaking and match records wait',
  whenBack: 'matchmaking across processes and match records resume',
};

/** RedisPresence that can drop its subscriber connection (made by Colyseus, so not the link's to close). */
class LinkPresence extends RedisPresence {
  dropSubscriber(): void {
    this.sub.disconnect();
  }
}

/**
 * The ioredis class a Colyseus package was built against (ioredis 5, each package with its own
 * copy): its constructor adopts a client only when it is an instance of that very class, and
 * handing it a client is the one way to watch that connection's errors and reconnections.
 */
function colyseusRedisClass(pkg: '@colyseus/redis-driver' | '@colyseus/redis-presence'): RedisClass {
  const entry = createRequire(import.meta.url).resolve(pkg);
  return (createRequire(entry)('ioredis') as { Redis: RedisClass }).Redis;
}

/** A server process' link to Redis with Colyseus' presence and driver on it. */
export interface ServerRedis {
  readonly link: RedisLink;
  readonly presence: RedisPresence;
  readonly driver: RedisDriver;
  /** Closes the link and Colyseus' subscriber connection (its own shutdown waits for a Redis that may be gone). */
  close(): void;
}

/** Checks that Redis answers (one line if not), then opens the link and Colyseus' presence and driver on it. */
export async function connectServerRedis(url: string): Promise<ServerRedis> {
  const link = await RedisLink.connect(url, SERVER_LINK);
  const presence = new LinkPresence(link.open('presence', {}, colyseusRedisClass('@colyseus/redis-presence')) as unknown as ConstructorParameters<typeof RedisPresence>[0]);
  const driver = new RedisDriver(link.open('driver', {}, colyseusRedisClass('@colyseus/redis-driver')) as unknown as ConstructorParameters<typeof RedisDriver>[0]);
  return {
    link,
    presence,
    driver,
    close() {
      link.close();
      presence.dropSubscriber();
    },
  };
}
