/** `arena curve`: a learner's strength over its run — its league snapshots at regular time marks against reference bots. */
import type { Command } from 'commander';
import type { OpeningScheme } from '../../eval/openings.ts';
import { getGame } from '../../../games/index.ts';
import { ConfigError } from '../../../core/index.ts';
import { runCurve, type CurvePoint } from '../../eval/curve.ts';
import { readCurvePoints, writeCurve } from '../../plot/curve.ts';
import { intOption, OPENING_PLIES_HELP, OPENINGS_HELP, openingsOption, timestampedRunDir } from '../options.ts';
import { createProgress } from '../progress.ts';

export function register(program: Command): void {
  program
    .command('curve')
    .description("strength over training time: every --every minutes of each run, the learner's latest league snapshot plays a paired series against each --vs bot; a table, curve.json/.csv and a plot")
    .argument('[runs...]', 'league run folders (several: compared on one chart)')
    .requiredOption('--game <id>', 'game id (see `arena games`)')
    .requiredOption('--vs <a,b,...>', 'reference bots, e.g. alphabeta:3,alphabeta:5')
    .option('--every <minutes>', 'minutes of training between marks', (v: string) => {
      const x = Number(v);
      if (!(x > 0)) throw new Error(`--every: positive minutes, got '${v}'`);
      return x;
    }, 10)
    .option('--games <n>', 'games per mark and bot (even: every opening from both sides)', intOption('--games', 1), 200)
    .option('--learner <id>', 'the learner whose snapshots play (main, main_exploiter, …)', 'main')
    .option('--sampling', 'sample from the snapshots instead of playing their most probable move')
    .option('--seed <s>', 'seed for the games, the openings and the agents', intOption('--seed', 0), 0)
    .option('--opening-plies <n>', OPENING_PLIES_HELP, intOption('--opening-plies', 0))
    .option('--openings <scheme>', OPENINGS_HELP, openingsOption)
    .option('--with <files>', 'earlier curve.json files (comma-separated) whose points join the table and chart as they are, not replayed')
    .option('--out <dir>', 'folder for curve.json/.csv/.png/.html (default runs/curve-<game>-<time>)')
    .option('--json', 'print the points as one JSON object')
    .action(async (runs: string[], opts: { game: string; vs: string; every: number; games: number; learner: string; sampling?: boolean; seed: number; openingPlies?: number; openings?: OpeningScheme; with?: string; out?: string; json?: boolean }) => {
      const game = getGame(opts.game);
      const bots = opts.vs.split(',').map((s) => s.trim()).filter((s) => s !== '');
      const earlier = (opts.with ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '').flatMap((f) => readCurvePoints(f, game.info.id));
      if (runs.length === 0 && earlier.length === 0) throw new ConfigError('curve: name at least one run folder (or --with an earlier curve.json)');
      let progress: ReturnType<typeof createProgress> | undefined;
      let fresh: CurvePoint[] = [];
      try {
        if (runs.length > 0) fresh = await runCurve({
          game,
          runs,
          bots,
          everyMinutes: opts.every,
          games: opts.games,
          learner: opts.learner,
          greedy: !opts.sampling,
          seed: opts.seed,
          ...(opts.openingPlies !== undefined ? { openingPlies: opts.openingPlies } : {}),
          ...(opts.openings !== undefined ? { openings: opts.openings } : {}),
          onStart: (total) => (progress = opts.json ? undefined : createProgress(`curve ${game.info.id}`, total, 'games')),
          onGame: (done, label) => progress?.update(done, label),
        });
      } finally {
        progress?.stop();
      }
      const points = [...earlier, ...fresh];
      const how = opts.sampling ? 'sampling' : 'greedy';
      const files = await writeCurve(points, opts.out ?? timestampedRunDir(`curve-${game.info.id}`), {
        game: game.info.id,
        title: `${opts.learner}'s ${how} snapshots over training: ${game.info.id}`,
        subtitle: `every ${opts.every} min of training, ${opts.games} games per mark and bot (sides alternate, paired ${opts.openings === 'balanced' ? 'balanced' : 'random'} openings), seed ${opts.seed}; 95% Wilson intervals over distinct games`,
      });
      if (opts.json) {
        console.log(JSON.stringify({ game: game.info.id, learner: opts.learner, play: how, every: opts.every, games: opts.games, seed: opts.seed, points, files }));
        return;
      }
      const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
      console.log(`${game.info.id}: ${opts.learner}'s ${how} snapshots every ${opts.every} min, ${opts.games} games per mark and bot`);
      console.log('| run | minute | snapshot | vs | score | 95% CI | W–D–L | distinct |');
      console.log('|---|---:|---|---|---:|---:|---:|---:|');
      for (const p of points) console.log(`| ${p.run} | ${p.minute} | ${p.member} | ${p.vs} | ${pct(p.score)} | ${pct(p.lo)}–${pct(p.hi)} | ${p.wins}–${p.draws}–${p.losses} | ${p.distinct} |`);
      console.log(`wrote ${files.json}, ${files.csv}, ${files.html}, ${files.png}`);
    });
}
