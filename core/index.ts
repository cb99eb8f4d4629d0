export * from './errors.ts';
export * from './rng.ts';
export * from './game.ts';
export * from './agent.ts';
