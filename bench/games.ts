/**
 * `npm run bench:games`: random-play steps per second for every registered game on one thread.
 * A step is one transition (a decision, a joint move or a chance event) including the legal-mask
 * query and the random pick (a uniform vector in the box in continuous games, one per seat at a
 * simultaneous node); finished games are reset in place. Prints a Markdown table.
 */
import { CHANCE, Rng, SIMULTANEOUS, type Game } from '../core/index.ts';
import { listGames } from '../games/index.ts';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 2);

function bench(game: Game, seconds: number): { steps: number; games: number; secs: number } {
  const { info } = game;
  const state = game.newState(1);
  const rng = new Rng(2);
  const mask = new Uint8Array(info.actions);
  const joint = new Int32Array(info.seats);
  // continuous games: a uniform vector in the action box instead of a masked pick
  const box = info.actionSpace ?? null;
  const vector = new Float64Array(box ? info.seats * info.actions : 0);
  let steps = 0;
  let games = 0;
  let seed = 1;
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 4096; i++) {
      const seat = state.currentSeat();
      if ((seat >= 0 || seat === SIMULTANEOUS) && box) {
        // every seat's row (at a sequential node only the acting seat's counts)
        for (let j = 0; j < vector.length; j++) vector[j] = rng.uniform(box.low[j % info.actions]!, box.high[j % info.actions]!);
        state.applyJointContinuous(vector);
      } else if (seat >= 0) {
        state.legalMask(seat, mask);
        state.apply(rng.pickMasked(mask));
      } else if (seat === CHANCE) {
        state.applyChance();
      } else if (seat === SIMULTANEOUS) {
        for (let s = 0; s < info.seats; s++) joint[s] = state.legalMask(s, mask) > 0 ? rng.pickMasked(mask) : 0;
        state.applyJoint(joint);
      } else {
        state.reset(++seed);
        games++;
        continue;
      }
      steps++;
    }
    now = performance.now();
  }
  return { steps, games, secs: (now - start) / 1000 };
}

console.log(`# bench:games — random play, one thread, ${SECONDS}s per game (Node ${process.version})\n`);
console.log('| game | steps/s | games/s | mean steps/game |');
console.log('|---|---:|---:|---:|');
for (const game of listGames()) {
  bench(game, 0.3); // warm up the JIT
  const r = bench(game, SECONDS);
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  console.log(`| ${game.info.id} | ${fmt(r.steps / r.secs)} | ${fmt(r.games / r.secs)} | ${(r.steps / Math.max(1, r.games)).toFixed(1)} |`);
}
