/** `arena games`: the registered games and their metadata. */
import type { Command } from 'commander';
import { registeredGames } from '../../../games/index.ts';

export function register(program: Command): void {
  program
    .command('games')
    .description('list the registered games')
    .option('--json', 'print a JSON array')
    .action((opts: { json?: boolean }) => {
      const rows = registeredGames().map(({ info }) => ({
        id: info.id,
        name: info.name,
        seats: info.seats,
        teams: info.teams.length,
        teamSeats: info.teams,
        actions: info.actions,
        observationSize: info.observationSize,
        stateSize: info.stateSize,
        dynamics: info.dynamics,
        information: info.information,
        utility: info.utility,
        maxSteps: info.maxSteps,
      }));
      if (opts.json) {
        console.log(JSON.stringify(rows, null, 2));
        return;
      }
      console.table(
        rows.map((r) => ({
          id: r.id,
          seats: r.seats,
          teams: r.teams,
          actions: r.actions,
          observation: r.observationSize,
          state: r.stateSize,
          moves: r.dynamics,
          information: r.information,
          utility: r.utility,
        })),
      );
    });
}
