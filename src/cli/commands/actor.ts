/** `arena actor`: a rollout actor on another machine, joining a league run through Redis. */
import { Option, type Command } from 'commander';
import { availableParallelism } from 'node:os';
import { ConfigError } from '../../../core/index.ts';
import { getGame } from '../../../games/index.ts';
import { runRemoteActor } from '../../selfplay/remote-actor.ts';
import { checkRunName } from '../../selfplay/remote-protocol.ts';
import { intOption } from '../options.ts';

export function register(program: Command): void {
  program
    .command('actor')
    .description('a rollout actor for a league run on another machine: joins the run through Redis (arena train --league --redis …), plays its self-play tasks in worker threads and sends the segments back')
    .option('--redis <url>', 'the Redis the learner uses, e.g. redis://10.0.0.5:6379 (default: env ARENA_REDIS_URL)')
    .requiredOption('--run <name>', "the run to join (the learner prints it; default there: its --out folder's name)")
    .option('--workers <w>', 'rollout worker threads (default: one per CPU core)', intOption('--workers', 1))
    .option('--game <id>', 'join only a run of this game (refuse any other)')
    .addOption(new Option('--test-hold-after <n>', 'tests: once n tasks were taken to play, hold claimed tasks without playing them').hideHelp().argParser(intOption('--test-hold-after', 0)))
    .option('--json', 'print one JSON object at the end')
    .action(async (opts: { redis?: string; run: string; workers?: number; game?: string; testHoldAfter?: number; json?: boolean }) => {
      const url = opts.redis ?? process.env['ARENA_REDIS_URL'];
      if (!url) throw new ConfigError('arena actor needs --redis <url> (or ARENA_REDIS_URL): the Redis the learner uses');
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const s = await runRemoteActor({
          url,
          run: checkRunName(opts.run),
          workers: opts.workers ?? Math.max(1, availableParallelism()),
          game: opts.game === undefined ? null : getGame(opts.game).info.id,
          signal: stop.signal,
          ...(opts.testHoldAfter !== undefined ? { holdAfter: opts.testHoldAfter } : {}),
        });
        if (opts.json) console.log(JSON.stringify(s));
        else console.log(`actor ${s.id}: ${s.segments} segments sent, ${s.failed} failed, ${s.skipped} stale tasks skipped in ${s.seconds.toFixed(0)} s; ${s.end === 'finished' ? 'the run finished' : 'stopped'}`);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
