/** `arena average-policy`: a league run's average policy (XFP) rebuilt from its snapshots. */
import type { Command } from 'commander';
import { ConfigError } from '../../../core/index.ts';
import { averageFromLeague, AVERAGE_POLICY_FILE, runAveraging, runIterateWeights } from '../../eval/average-policy.ts';
import { isExactEvalGame, nashConv } from '../../eval/exploitability.ts';
import { intOption } from '../options.ts';

export function register(program: Command): void {
  program
    .command('average-policy')
    .description(
      "rebuild a league run's average policy (XFP: each snapshot's action probabilities weighted by its own reach) from its stored snapshots, write it, and print its exploitability",
    )
    .argument('<runDir>', 'league run folder (with league.db)')
    .option('--from <update>', 'first snapshot update to include', intOption('--from', 0), 0)
    .option('--learner <id>', 'whose snapshots to average', 'main')
    .option('--out <file>', 'where to write the table (default: <runDir>/average-policy.json, which the run plays when its config.json has "exportPolicy": "average")')
    .option('--json', 'print one JSON object')
    .option('--weights <rule>', "snapshot weights: 'update-squared' or 'update-squared-lr' (default: the run's averageWeights, as its trainer weighed them)")
    .action(async (runDir: string, opts: { from: number; learner: string; out?: string; json?: boolean; weights?: string }) => {
      const run = runAveraging(runDir);
      const weights = opts.weights ?? run.weights;
      if (weights !== 'update-squared' && weights !== 'update-squared-lr') throw new ConfigError(`--weights must be 'update-squared' or 'update-squared-lr', got '${weights}'`);
      const avg = averageFromLeague(runDir, { from: opts.from, learner: opts.learner, weight: runIterateWeights(runDir, weights, run.lr) });
      const out = opts.out ?? `${runDir.replace(/\/+$/, '')}/${AVERAGE_POLICY_FILE}`;
      await avg.save(out);
      const exact = isExactEvalGame(avg.gameId);
      const r = exact ? nashConv(avg.game, avg.policyFn()) : null;
      if (opts.json) {
        console.log(
          JSON.stringify({ game: avg.gameId, runDir, learner: opts.learner, from: opts.from, weights, snapshots: avg.iterates, out, exploitability: r?.exploitability ?? null, nashConv: r?.nashConv ?? null }),
        );
        return;
      }
      console.log(`${avg.gameId}: average of ${avg.iterates} snapshot(s) of ${opts.learner} from update ${opts.from}, weights ${weights} → ${out} (${avg.infoStates} information states)`);
      if (r) console.log(`  exploitability ${r.exploitability.toFixed(6)}  (NashConv ${r.nashConv.toFixed(6)})`);
      console.log(`  play it with --agent ${out} --game ${avg.gameId}${opts.out === undefined ? ` (or --agent ${runDir} when its config.json has "exportPolicy": "average")` : ''}`);
    });
}
