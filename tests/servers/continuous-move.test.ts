/**
 * The `move` message of a continuous-action game: an array of finite numbers (servers/protocol.ts),
 * chosen by the game's description; discrete games keep integer actions.
 */
import { describe, expect, it } from 'vitest';
import { getGame } from '../../games/index.ts';
import { continuousMoveMessageSchema, MAX_ACTION_COMPONENTS, moveMessageSchema, moveSchemaFor } from '../../servers/protocol.ts';

describe('continuous moves on the wire', () => {
  it('a continuous game takes an array of finite numbers; a discrete game an integer', () => {
    expect(moveSchemaFor(getGame('pendulum-v1').info)).toBe(continuousMoveMessageSchema);
    expect(moveSchemaFor(getGame('tic-tac-toe-v1').info)).toBe(moveMessageSchema);
    expect(continuousMoveMessageSchema.safeParse({ action: [1.25] }).success).toBe(true);
    expect(continuousMoveMessageSchema.safeParse({ action: [-7], step: 3 }).success).toBe(true); // out of the box: the game clips it
  });

  it('refuses NaN, infinities, non-numbers, empty or oversized vectors and unknown keys', () => {
    for (const action of [[Number.NaN], [Infinity], [-Infinity], ['1'], [], new Array(MAX_ACTION_COMPONENTS + 1).fill(0), 1, null]) {
      expect(continuousMoveMessageSchema.safeParse({ action }).success, JSON.stringify(action)).toBe(false);
    }
    expect(continuousMoveMessageSchema.safeParse({ action: [0], extra: 1 }).success).toBe(false);
    expect(moveMessageSchema.safeParse({ action: [0] }).success).toBe(false);
  });
});
