/** `arena mix-policy`: the equal-weight mixture of several exported average policies (e.g. of seeds). */
import type { Command } from 'commander';
import { ConfigError } from '../../../core/index.ts';
import { AveragePolicy, exportedAverageFile } from '../../eval/average-policy.ts';
import { isExactEvalGame, nashConv } from '../../eval/exploitability.ts';

export function register(program: Command): void {
  program
    .command('mix-policy')
    .description(
      'mix the exported average policies of several runs (or table files) with equal weight — as playing one of them, drawn at random, each game — write the table, and print every exploitability',
    )
    .requiredOption('--agents <list>', 'comma-separated run folders exporting their average ("exportPolicy": "average") or average-policy files, at least two')
    .requiredOption('--out <file>', 'where to write the mixture (an average-policy file: play it with --agent <file>)')
    .option('--json', 'print one JSON object')
    .action(async (opts: { agents: string; out: string; json?: boolean }) => {
      const specs = opts.agents.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
      if (specs.length < 2) throw new ConfigError(`--agents needs at least two average policies to mix, got ${specs.length}`);
      const parts = await Promise.all(
        specs.map(async (spec) => {
          const file = await exportedAverageFile(spec);
          if (file === null) throw new ConfigError(`'${spec}' is not an average policy: give a run folder whose config.json has "exportPolicy": "average", or an average-policy file`);
          return AveragePolicy.load(file);
        }),
      );
      const mix = AveragePolicy.mix(parts);
      await mix.save(opts.out);
      const exact = isExactEvalGame(mix.gameId);
      const value = (a: AveragePolicy) => (exact ? nashConv(a.game, a.policyFn()).exploitability : null);
      const inputs = parts.map((p, i) => ({ agent: specs[i]!, exploitability: value(p) }));
      const mixed = value(mix);
      if (opts.json) {
        console.log(JSON.stringify({ game: mix.gameId, out: opts.out, inputs, exploitability: mixed }));
        return;
      }
      console.log(`${mix.gameId}: equal-weight mixture of ${parts.length} average policies → ${opts.out}`);
      for (const r of inputs) console.log(`  ${r.agent}${r.exploitability === null ? '' : `: exploitability ${r.exploitability.toFixed(6)}`}`);
      if (mixed !== null) {
        const mean = inputs.reduce((a, r) => a + r.exploitability!, 0) / inputs.length;
        console.log(`  mixture: exploitability ${mixed.toFixed(6)} (the inputs' mean ${mean.toFixed(6)})`);
      }
      console.log(`  play it with --agent ${opts.out} --game ${mix.gameId}`);
    });
}
