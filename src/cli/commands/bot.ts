/** `arena bot`: an agent that plays on an arena server as a network client. */
import type { Command } from 'commander';
import { createAgent } from '../../../agents/index.ts';
import { ArenaError } from '../../../core/index.ts';
import { getGame } from '../../../games/index.ts';
import { runBot } from '../../../servers/bot.ts';
import { intOption, wsUrlOption } from '../options.ts';

interface BotOptions {
  server: string;
  game: string;
  agent: string;
  room?: string;
  create?: boolean;
  games: number;
  name?: string;
  seat?: number;
  seed: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('bot')
    .description('play on an arena server as a network client: an agent joins a room (or creates one) and plays from what its seat receives')
    .requiredOption('--server <url>', 'server address, e.g. ws://127.0.0.1:2567', wsUrlOption)
    .requiredOption('--game <id>', 'game id (see `arena games`)')
    .requiredOption('--agent <spec>', 'checkpoint folder, league member <runDir>#<id>, mcts:<agent>[:<simulations>][:fpu<r>|:fpuoff][:reuse] or bot spec')
    .option('--room <roomId>', 'join this room (default: a room of the game with a free seat, else a new one)')
    .option('--create', 'always create a new room (its id is printed for the opponent)')
    .option('--games <n>', 'games to play (rematches, sides swap)', intOption('--games', 1), 1)
    .option('--name <name>', 'name shown for the seat (default: the agent spec)')
    .option('--seat <n>', 'preferred seat', intOption('--seat', 0))
    .option('--seed <s>', "seed of the agent's randomness", intOption('--seed', 0), 0)
    .option('--json', 'print one JSON object at the end')
    .action(bot);
}

async function bot(opts: BotOptions): Promise<void> {
  const game = getGame(opts.game);
  const agent = await createAgent(opts.agent, game.info, opts.seed);
  let roomId = '';
  let games;
  try {
    games = await runBot({
      url: opts.server,
      game,
      agent,
      games: opts.games,
      ...(opts.room ? { roomId: opts.room } : {}),
      ...(opts.create ? { create: true } : {}),
      ...(opts.name ? { name: opts.name } : {}),
      ...(opts.seat !== undefined ? { seat: opts.seat } : {}),
      onJoin: (c) => {
        roomId = c.roomId;
        if (!opts.json) console.log(`joined ${game.info.id} room ${c.roomId} on ${opts.server}`);
      },
      onGame: (g) => {
        if (!opts.json) console.log(`game ${g.gameNumber + 1}: seat ${g.seat}, ${g.outcome}, return ${g.teamReturn}${g.result.forfeit ? ` (forfeit: ${g.result.forfeit.reason})` : ''}`);
      },
    });
  } catch (err) {
    throw new ArenaError('BOT_FAILED', `bot ${opts.agent}: ${(err as Error).message}`);
  } finally {
    agent.dispose?.();
  }
  const tally = { win: 0, draw: 0, loss: 0 };
  for (const g of games) tally[g.outcome]++;
  const meanReturn = games.reduce((a, g) => a + g.teamReturn, 0) / games.length;
  if (opts.json) {
    console.log(JSON.stringify({ game: game.info.id, agent: opts.agent, room: roomId, wins: tally.win, draws: tally.draw, losses: tally.loss, meanReturn, games }));
    return;
  }
  console.log(`${opts.agent}: ${tally.win} wins, ${tally.draw} draws, ${tally.loss} losses over ${games.length} game(s); mean return ${meanReturn.toFixed(3)}`);
}
