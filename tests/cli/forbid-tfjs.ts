/**
 * Loaded with `node --import` before the CLI: fails the process at the first import of a
 * `@tensorflow/*` package and names the module that asked for it.
 */
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, next) {
    if (specifier.startsWith('@tensorflow/')) throw new Error(`tfjs loaded: ${context.parentURL ?? '(entry)'} imports ${specifier}`);
    return next(specifier, context);
  },
});
