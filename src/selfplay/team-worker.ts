/**
 * Piscina worker for team rollouts (team-rollout.ts): runs one task and hands its arrays back as
 * transferables (moved, not copied). The team counterpart of worker.ts.
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { runTeamRollout, type TeamRolloutResult, type TeamRolloutTask } from './team-rollout.ts';

function transferList(r: TeamRolloutResult): ArrayBuffer[] {
  const arrays = [r.obs, r.masks, r.actions, r.logProbs, r.values, r.rewards, r.dones, r.nextValues, r.valid];
  if (r.criticObs) arrays.push(r.criticObs);
  return arrays.map((a) => a.buffer as ArrayBuffer);
}

export default function teamRolloutTask(task: TeamRolloutTask): unknown {
  const result = runTeamRollout(task);
  return move({
    [transferableSymbol]: transferList(result),
    [valueSymbol]: result,
  });
}
