/** `arena agents`: the agent kinds an `--agents` spec can name. */
import type { Command } from 'commander';
import { listAgentKinds } from '../../../agents/index.ts';
import { ALPHAZERO_PLAY_FPU, DEFAULT_SIMULATIONS } from '../../../agents/mcts.ts';

export function register(program: Command): void {
  program
    .command('agents')
    .description('list the agent kinds usable in --agents specs')
    .action(() => {
      for (const k of listAgentKinds()) console.log(`${k.kind.padEnd(12)} ${k.summary}`);
      console.log(`\nTrained agents: a checkpoint or run folder, a league member <runDir>#<id>; prefixes greedy: (most probable move) and last: (last iterate).`);
      console.log(`mcts:<agent>[:<simulations>][:fpu<r>|:fpuoff][:reuse]  PUCT search guided by a trained agent's policy and critic (default ${DEFAULT_SIMULATIONS} simulations; :fpu<r> scores untried moves at the network's value minus r, default ${ALPHAZERO_PLAY_FPU} for AlphaZero networks, :fpuoff at 0; :reuse keeps the tree between moves), e.g. mcts:runs/c4:200`);
    });
}
