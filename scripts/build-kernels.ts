/**
 * Assembles the hand-written WebAssembly kernels (src/fast/kernels/*.wat) into the .wasm files
 * committed next to them, with the `wabt` package (the WebAssembly Binary Toolkit compiled to WASM).
 * The output is deterministic (no debug names, canonical LEBs): assembling the committed .wat must
 * give the committed .wasm byte for byte (tests/fast/kernels.test.ts checks it).
 *
 * Each source also gives a fused variant, `<name>.fma.wasm`: inside the GEMM functions (names
 * starting `tile_` or `gemm_`) every `(f32x4.add ACC (f32x4.mul A B))` becomes
 * `(f32x4.relaxed_madd A B ACC)` (relaxed SIMD), which engines on CPUs with fused multiply-add compile
 * to one instruction. Nothing else changes: the optimizer updates keep their unfused, tfjs-exact
 * arithmetic. Written by this transform, never by hand, so the two binaries cannot drift apart.
 *
 *   npm run build:kernels            # rewrite the .wasm files
 *   npm run build:kernels -- --check # exit 1 if a committed .wasm differs from its .wat
 */
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import wabtInit from 'wabt';

export const KERNEL_DIR = fileURLToPath(new URL('../src/fast/kernels/', import.meta.url));

/** The WebAssembly features the kernels use (128-bit SIMD; relaxed SIMD in the fused variant only). */
const FEATURES = { simd: true } as const;
const FUSED_FEATURES = { simd: true, relaxed_simd: true } as const;

/** The functions whose multiply-adds the fused variant fuses: the GEMMs and their tiles. */
export const FUSED_FUNCTION = /^(tile_|gemm_)/;

/** Index of the parenthesis closing the one at `open` (`;;` comments skipped), or -1. */
function closing(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const ch = s[i];
    if (ch === ';' && s[i + 1] === ';') {
      i = s.indexOf('\n', i);
      if (i < 0) return -1;
    } else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
  }
  return -1;
}

/** The operands of one folded instruction `(op X Y …)`: its parenthesised children, in order. */
function operands(expr: string): string[] {
  const out: string[] = [];
  for (let i = expr.indexOf('(', 1); i > 0 && i < expr.length - 1; i = expr.indexOf('(', i)) {
    const end = closing(expr, i);
    out.push(expr.slice(i, end + 1));
    i = end + 1;
  }
  return out;
}

/** Rewrites every `(f32x4.add ACC (f32x4.mul A B))` in `expr` (nested ones too) as a relaxed multiply-add. */
function fuseMultiplyAdds(expr: string): string {
  let out = '';
  let at = 0;
  for (let i = expr.indexOf('(f32x4.add', at); i >= 0; i = expr.indexOf('(f32x4.add', at)) {
    const end = closing(expr, i);
    const add = expr.slice(i, end + 1);
    const [acc, product, extra] = operands(add);
    if (acc !== undefined && product?.startsWith('(f32x4.mul ') && extra === undefined) {
      const [a, b] = operands(product);
      out += `${expr.slice(at, i)}(f32x4.relaxed_madd ${fuseMultiplyAdds(a!)} ${fuseMultiplyAdds(b!)} ${fuseMultiplyAdds(acc)})`;
    } else {
      out += expr.slice(at, i + 10) + fuseMultiplyAdds(add.slice(10));
    }
    at = end + 1;
  }
  return out + expr.slice(at);
}

/** The fused variant's source: `source` with the GEMM functions' multiply-adds fused (see the file comment). */
export function fuseGemms(source: string): { source: string; fused: number } {
  let out = '';
  let at = 0;
  let fused = 0;
  const func = /\(func (?:\$([\w.]+)|\(export "([\w.]+)"\))/g;
  for (let m = func.exec(source); m; m = func.exec(source)) {
    const end = closing(source, m.index);
    if (end < 0) throw new Error(`unbalanced parentheses in function ${m[1] ?? m[2]}`);
    func.lastIndex = end + 1;
    if (!FUSED_FUNCTION.test(m[1] ?? m[2]!)) continue;
    const body = fuseMultiplyAdds(source.slice(m.index, end + 1));
    fused += body.split('(f32x4.relaxed_madd ').length - 1;
    out += source.slice(at, m.index) + body;
    at = end + 1;
  }
  return { source: out + source.slice(at), fused };
}

/** Assembles one .wat source into wasm bytes (`fused`: the relaxed-SIMD variant, see the file comment). */
export async function assemble(name: string, source: string, fused = false): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const mod = wabt.parseWat(name, fused ? fuseGemms(source).source : source, fused ? FUSED_FEATURES : FEATURES);
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
  for (const [file, fused] of readdirSync(KERNEL_DIR).filter((f) => f.endsWith('.wat')).sort().flatMap((f) => [[f, false], [f, true]] as const)) {
    const out = join(KERNEL_DIR, file.replace(/\.wat$/, fused ? '.fma.wasm' : '.wasm'));
    const bytes = await assemble(file, readFileSync(join(KERNEL_DIR, file), 'utf8'), fused);
    const same = existsSync(out) && Buffer.compare(readFileSync(out), bytes) === 0;
    if (check) {
      if (!same) stale++;
      process.stdout.write(`${same ? 'ok   ' : 'STALE'} ${file} → ${out} (${bytes.length} bytes)\n`);
    } else {
      if (!same) writeFileSync(out, bytes);
      process.stdout.write(`${same ? 'unchanged' : 'wrote'} ${out} (${bytes.length} bytes)\n`);
    }
  }
  if (stale > 0) process.exit(1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
