/** The league: store, ratings, opponent sampling, Bradley–Terry tables and tournaments. */
export * from './store.ts';
export * from './ratings.ts';
export * from './pfsp.ts';
export * from './league.ts';
export * from './bradley-terry.ts';
export * from './member-agent.ts';
export * from './status.ts';
