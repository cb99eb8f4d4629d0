/** `arena eval`: an agent's mean return over episodes. */
import type { Command } from 'commander';
import { createAgent } from '../../../agents/index.ts';
import { getGame } from '../../../games/index.ts';
import { evaluateAgent } from '../../eval/evaluate.ts';
import { intOption } from '../options.ts';
import { createProgress } from '../progress.ts';

export function register(program: Command): void {
  program
    .command('eval')
    .description("evaluate an agent's returns (a checkpoint or a bot spec)")
    .requiredOption('--agent <spec>', 'checkpoint folder or agent spec')
    .requiredOption('--game <id>', 'game id')
    .option('--episodes <n>', 'episodes', intOption('--episodes', 1), 20)
    .option('--seed <s>', 'seed', intOption('--seed', 0), 1000)
    .option('--opponent <spec>', 'agent on the other seats in multi-seat games', 'random')
    .option('--stochastic', 'sample actions instead of taking the most probable one')
    .option('--json', 'print one JSON object')
    .action(async (opts: { agent: string; game: string; episodes: number; seed: number; opponent: string; stochastic?: boolean; json?: boolean }) => {
      const game = getGame(opts.game);
      const agent = await createAgent(opts.agent, game.info, opts.seed, { deterministic: !opts.stochastic });
      const opponent = game.info.seats > 1 ? await createAgent(opts.opponent, game.info, opts.seed + 1) : undefined;
      const progress = opts.json ? undefined : createProgress(`eval ${opts.agent}`, opts.episodes, 'episodes');
      const r = evaluateAgent({ game, agent, episodes: opts.episodes, seed: opts.seed, opponent, onEpisode: (d) => progress?.update(d) });
      progress?.stop();
      agent.dispose?.();
      opponent?.dispose?.();
      if (opts.json) {
        console.log(JSON.stringify({ meanReturn: r.meanReturn, stdReturn: r.stdReturn, episodes: r.episodes, minReturn: r.minReturn, maxReturn: r.maxReturn, game: r.game }));
        return;
      }
      console.log(`${r.game}: ${opts.agent} over ${r.episodes} episodes: mean return ${r.meanReturn.toFixed(2)} ± ${r.stdReturn.toFixed(2)} (min ${r.minReturn}, max ${r.maxReturn})`);
    });
}
