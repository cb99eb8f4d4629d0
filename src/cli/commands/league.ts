/** `arena league …`: a league run's members, ratings and, for a run with remote actors, its live actors. */
import type { Command } from 'commander';
import { formatLeagueStatus, formatRemoteStatus, leagueStatus, readRemoteFile } from '../../../league/status.ts';
import { remoteStatus } from '../../selfplay/remote-actors.ts';

export function register(program: Command): void {
  const league = program.command('league').description("inspect a league run's members, ratings and results");

  league
    .command('status')
    .description('members of a league run with role, Elo, games played, win rate against the main agent and creation update, best rated first; for a run with remote actors (--redis), its learner and live actors')
    .argument('<runDir>', 'run folder holding league.db')
    .option('--redis <url>', 'where to read the live actors of a run trained with --redis (default: the address the run recorded; ARENA_REDIS_URL when that had a password)')
    .option('--json', 'print one JSON object')
    .action(async (runDir: string, opts: { redis?: string; json?: boolean }) => {
      const status = leagueStatus(runDir);
      const recorded = readRemoteFile(runDir);
      // the run records its Redis address without the password (masked): then take it from the environment
      const url = opts.redis ?? (recorded?.url.includes('***') ? process.env['ARENA_REDIS_URL'] : undefined) ?? recorded?.url;
      const remote = recorded ? await remoteStatus(url!, recorded.run) : null;
      if (opts.json) {
        console.log(JSON.stringify(remote ? { ...status, remote } : status));
        return;
      }
      console.log(formatLeagueStatus(status));
      if (remote) console.log(formatRemoteStatus(remote));
    });
}
