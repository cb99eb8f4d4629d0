/** The fast learner path for MLP actor-critics (optionally with a conv trunk, conv.ts): see learner.ts, forward.ts and select.ts; for TRPO: trpo.ts; for SAC, TD3 and DDPG: sac.ts, td3.ts. */
export { FastLearner, type OptimizerState, type MinibatchResult } from './learner.ts';
export { FastForward } from './forward.ts';
export { chooseLearner, chooseOffPolicyLearner, createLearner, createTrpoLearner, type Learner, type LearnerKind } from './select.ts';
export { FastSacLearner } from './sac.ts';
export { FastTd3Learner } from './td3.ts';
export { FastTrpoLearner } from './trpo.ts';
export { createKernels, wasmUnavailableReason, type Kernels, type KernelChoice } from './kernels.ts';
export type { ParamLayout } from './mlp.ts';
export { layoutOf, unsupportedReason } from './mlp-tf.ts';
