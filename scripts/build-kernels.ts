/**
 * Assembles the hand-written WebAssembly kernels (src/fast/kernels/*.wat) into the .wasm files
 * committed next to them, with the `wabt` package (the WebAssembly Binary Toolkit compiled to WASM).
 * The output is deterministic (no debug names, canonical LEBs): assembling the committed .wat must
 * give the committed .wasm byte for byte (tests/fast/kernels.test.ts checks it).
 *
 *   npm run build:kernels            # rewrite the .wasm files
 *   npm run build:kernels -- --check # exit 1 if a committed .wasm differs from its .wat
 */
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import wabtInit from 'wabt';

export const KERNEL_DIR = fileURLToPath(new URL('../src/fast/kernels/', import.meta.url));

/** The WebAssembly features the kernels use (128-bit SIMD; nothing else past the MVP). */
const FEATURES = { simd: true } as const;

/** Assembles one .wat source into wasm bytes. */
export async function assemble(name: string, source: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const mod = wabt.parseWat(name, source, FEATURES);
  try {
    mod.resolveNames();
    mod.validate();
    const { buffer } = mod.toBinary({ log: false, canonicalize_lebs: true, relocatable: false, write_debug_names: false });
    return new Uint8Array(buffer);
  } finally {
    mod.destroy();
  }
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const file of readdirSync(KERNEL_DIR).filter((f) => f.endsWith('.wat')).sort()) {
    const out = join(KERNEL_DIR, file.replace(/\.wat$/, '.wasm'));
    const bytes = await assemble(file, readFileSync(join(KERNEL_DIR, file), 'utf8'));
    const same = existsSync(out) && Buffer.compare(readFileSync(out), bytes) === 0;
    if (check) {
      if (!same) stale++;
      process.stdout.write(`${same ? 'ok   ' : 'STALE'} ${file} → ${bytes.length} bytes\n`);
    } else {
      if (!same) writeFileSync(out, bytes);
      process.stdout.write(`${same ? 'unchanged' : 'wrote'} ${out} (${bytes.length} bytes)\n`);
    }
  }
  if (stale > 0) process.exit(1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
