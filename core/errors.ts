/**
 * Arena's error hierarchy. Every error a user can cause carries a stable `code`
 * so the CLI can print one clear line and scripts can branch on it.
 */
export class ArenaError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An action that is not legal in the current state; the state is left unchanged. */
export class IllegalActionError extends ArenaError {
  readonly gameId: string;
  readonly seat: number;
  readonly action: number;
  constructor(gameId: string, seat: number, action: number, detail = '') {
    super(
      'ILLEGAL_ACTION',
      `illegal action ${action} for seat ${seat} in ${gameId}${detail ? `: ${detail}` : ''}`,
    );
    this.gameId = gameId;
    this.seat = seat;
    this.action = action;
  }
}

/** A lookup by name (game, agent, backend…) that matched nothing; the message lists what exists. */
export class UnknownNameError extends ArenaError {
  constructor(kind: string, name: string, known: readonly string[]) {
    super(`UNKNOWN_${kind.toUpperCase().replace(/\W+/g, '_')}`, `unknown ${kind} '${name}'; known: ${known.join(', ')}`);
  }
}

/** A configuration or command-line value that fails validation. */
export class ConfigError extends ArenaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BAD_CONFIG', message, options);
  }
}

/** An agent that cannot play the requested game (e.g. minimax on a poker game). */
export class AgentMismatchError extends ArenaError {
  constructor(message: string) {
    super('AGENT_MISMATCH', message);
  }
}

/** A missing, partial or corrupt checkpoint; `file` names the offending path. */
export class CheckpointError extends ArenaError {
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super('BAD_CHECKPOINT', `${file}: ${message}`, options);
    this.file = file;
  }
}

/** A rollout worker that crashed, hung or returned a malformed batch. */
export class WorkerError extends ArenaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WORKER_FAILED', message, options);
  }
}

/** A state that cannot be restored from serialized data. */
export class BadStateError extends ArenaError {
  constructor(gameId: string, message: string) {
    super('BAD_STATE', `${gameId}: ${message}`);
  }
}
