/** Types for the `elo-rating` package (it ships none). Only `expected` is used: see ratings.ts. */
declare module 'elo-rating' {
  const EloRating: {
    /** `playerRating − opponentRating`, capped to [−400, 400]. */
    ratingDifference(playerRating: number, opponentRating: number): number;
    /** Expected score of the player: 1 / (1 + 10^(capped difference / 400)). */
    expected(playerRating: number, opponentRating: number): number;
    /** Not used: counts a draw as a win and truncates the change to an integer. */
    calculate(playerRating: number, opponentRating: number, playerWin?: boolean, k?: number): { playerRating: number; opponentRating: number };
  };
  export default EloRating;
}
