/** `arena policy-table`: an agent's action probabilities at every information state of Kuhn or Leduc poker. */
import type { Command } from 'commander';
import { formatPolicyTable, policyTable, policyTableObject } from '../../eval/policy-table.ts';
import { evaluateExactly, type ExactEvalOptions } from '../exact-eval.ts';

export function register(program: Command): void {
  program
    .command('policy-table')
    .description("an agent's action probabilities at every information state of Kuhn (OpenSpiel notation) or Leduc poker")
    .requiredOption('--agent <spec>', 'checkpoint folder or agent spec (e.g. nash, random)')
    .option('--game <id>', 'kuhn-poker or leduc-poker (default: the checkpoint’s game, else kuhn-poker)')
    .option('--deterministic', 'tabulate a checkpoint’s greedy policy instead of its sampling policy')
    .option('--json', 'print one JSON object {game, agent, actions, policy}')
    .action(async (opts: ExactEvalOptions) => {
      const { game, result: table } = await evaluateExactly(opts, policyTable);
      if (opts.json) {
        console.log(JSON.stringify({ game: game.info.id, agent: opts.agent, actions: table.actions, policy: policyTableObject(table) }));
        return;
      }
      console.log(`${game.info.id}: ${opts.agent}, ${table.rows.length} information states`);
      console.log(formatPolicyTable(table));
    });
}
