/**
 * Seeded pseudo-random numbers: xoshiro128** (Blackman & Vigna 2018) seeded by splitmix32.
 * The whole state is four uint32 words, so it clones cheaply and serializes as plain data;
 * the same seed always yields the same stream on every platform.
 */
export type RngState = readonly [number, number, number, number];

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  private readonly s = new Uint32Array(4);

  constructor(seed = 0) {
    this.seed(seed);
  }

  /** Re-seeds in place (no allocation). Seeds are taken modulo 2^32; floats are truncated. */
  seed(seed: number): void {
    const next = splitmix32(Math.floor(seed) >>> 0 ^ Math.floor(seed / 2 ** 32));
    this.s[0] = next();
    this.s[1] = next();
    this.s[2] = next();
    this.s[3] = next();
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  /** Next raw 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Standard normal sample (Box–Muller). */
  normal(): number {
    let u = this.next();
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Index drawn with probability proportional to `weights[i]` (first `n` entries). */
  categorical(weights: ArrayLike<number>, n = weights.length): number {
    let total = 0;
    for (let i = 0; i < n; i++) total += weights[i]!;
    let r = this.next() * total;
    let last = -1;
    for (let i = 0; i < n; i++) {
      const w = weights[i]!;
      if (w <= 0) continue;
      last = i;
      if (r < w) return i;
      r -= w;
    }
    return last;
  }

  /** Uniform choice among the indices where `mask` is non-zero; -1 when none is. */
  pickMasked(mask: ArrayLike<number>, n = mask.length): number {
    let count = 0;
    for (let i = 0; i < n; i++) if (mask[i]) count++;
    if (count === 0) return -1;
    let k = this.int(count);
    for (let i = 0; i < n; i++) {
      if (mask[i] && k-- === 0) return i;
    }
    return -1;
  }

  getState(): RngState {
    return [this.s[0]!, this.s[1]!, this.s[2]!, this.s[3]!];
  }

  setState(state: ArrayLike<number>): void {
    if (state.length !== 4) throw new RangeError('RNG state must have 4 words');
    for (let i = 0; i < 4; i++) this.s[i] = state[i]! >>> 0;
    if ((this.s[0]! | this.s[1]! | this.s[2]! | this.s[3]!) === 0) throw new RangeError('RNG state must not be all zero');
  }

  copyFrom(other: Rng): void {
    this.s.set(other.s);
  }

  clone(): Rng {
    const r = new Rng();
    r.copyFrom(this);
    return r;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
