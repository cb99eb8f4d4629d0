/** `arena plot`: learning curves of one run, or several on one chart, as HTML and PNG. */
import type { Command } from 'commander';
import { plotRun, plotRuns } from '../../plot/index.ts';

export function register(program: Command): void {
  program
    .command('plot')
    .description('render the learning curves of one or more runs to an HTML page and a PNG')
    .argument('<runs...>', 'run folders (several: compared on one chart)')
    .option('--out <path>', 'output path without extension')
    .action(async (runs: string[], opts: { out?: string }) => {
      const r =
        runs.length === 1
          ? await plotRun(runs[0]!, opts.out ? { out: opts.out } : {})
          : await plotRuns(runs.map((dir) => ({ label: dir.replace(/\/$/, '').split('/').pop()!, dir })), opts.out ?? 'runs/comparison');
      console.log(`wrote ${r.html}`);
      console.log(`wrote ${r.png}`);
    });
}
