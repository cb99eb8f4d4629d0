/** What `arena tournament` and `arena ladder` print once their round robin is played and written. */
import { formatTournamentTable, ratingZero, type TournamentFiles, type TournamentResult } from '../../league/tournament.ts';

/** How tournament and ladder ratings are fitted (league/tournament.ts). */
const RATINGS_NOTE = 'Bradley–Terry maximum likelihood (draws count half), each pair weighted by its distinct games (a replay adds no information)';

/** One JSON object (the result and its files), or `headline`, the ratings table and where it was written. */
export function printRoundRobin(result: TournamentResult, files: TournamentFiles, json: boolean, headline: string): void {
  if (json) {
    console.log(JSON.stringify({ ...result, files }));
    return;
  }
  console.log(headline);
  console.log(formatTournamentTable(result));
  console.log(`ratings: ${RATINGS_NOTE}, Elo scale, ${ratingZero(result)}, ± half-width of the 95% interval`);
  console.log(`wrote ${files.json}, ${files.csv}, ${files.png}, ${files.html}`);
}
