// The zone domain: difference-bound constraints `x - y <= c` between the verifier's numeric variables
// (register values and pointer offsets, stack cells, the packet size, loop counters), kept closed (every
// implied bound is explicit) so that reading a bound or forgetting a variable needs no search. It is what
// lets the verifier keep `length <= packet_size` when the length was computed from two packet pointers, and
// `counter <= i` when a loop counts with `i`. Bounds are JavaScript numbers: anything beyond +/-2^52 is
// dropped to "no bound" (always sound: an upper bound can only be weakened), so sums stay exact.

/** The id of the constant 0 (unary bounds are differences with it). */
export const ZERO = -1;

const LIMIT = 2 ** 52;

function clamp(v: number): number {
  if (v > LIMIT) return Infinity;
  if (v < -LIMIT) return -LIMIT;
  return v;
}

/** A closed difference-bound matrix over a set of variable ids. Mutable; `clone` before sharing. */
export class Zone {
  /** ids[i - 1] is the variable at matrix index i; index 0 is ZERO. */
  private ids: number[];
  private pos: Map<number, number>;
  /** m[i * n + j] bounds x_j - x_i. */
  private m: Float64Array;
  private n: number;
  /** No concrete values satisfy the constraints. */
  bottom = false;

  private constructor(ids: number[], m: Float64Array) {
    this.ids = ids;
    this.n = ids.length + 1;
    this.m = m;
    this.pos = new Map(ids.map((id, i) => [id, i + 1]));
  }

  /** No constraints at all. */
  static top(): Zone {
    return new Zone([], new Float64Array([0]));
  }

  clone(): Zone {
    const z = new Zone([...this.ids], this.m.slice());
    z.bottom = this.bottom;
    return z;
  }

  /** The variables that carry constraints. */
  variables(): readonly number[] {
    return this.ids;
  }

  has(id: number): boolean {
    return this.pos.has(id);
  }

  private index(id: number): number {
    if (id === ZERO) return 0;
    return this.pos.get(id) ?? -1;
  }

  /** The matrix index of `id`, adding it unconstrained when missing. */
  private ensure(id: number): number {
    if (id === ZERO) return 0;
    const at = this.pos.get(id);
    if (at !== undefined) return at;
    const n = this.n;
    const next = new Float64Array((n + 1) * (n + 1)).fill(Infinity);
    for (let i = 0; i < n; i++) next.set(this.m.subarray(i * n, i * n + n), i * (n + 1));
    next[n * (n + 1) + n] = 0;
    this.m = next;
    this.n = n + 1;
    this.ids.push(id);
    this.pos.set(id, n);
    return n;
  }

  /** The matrix index of `id` with every constraint on it dropped (added when missing). */
  private reset(id: number): number {
    const at = this.pos.get(id);
    if (at === undefined) return this.ensure(id);
    const n = this.n;
    const m = this.m;
    for (let k = 0; k < n; k++) {
      m[k * n + at] = Infinity;
      m[at * n + k] = Infinity;
    }
    m[at * n + at] = 0;
    return at;
  }

  /** The best known bound on x_a - x_b (Infinity when none). */
  diff(a: number, b: number): number {
    if (a === b) return 0;
    const ia = this.index(a);
    const ib = this.index(b);
    if (ia < 0 || ib < 0) return Infinity;
    return this.m[ib * this.n + ia]!;
  }

  /** Upper bound of x (Infinity when none). */
  upper(id: number): number {
    return this.diff(id, ZERO);
  }

  /** Lower bound of x (-Infinity when none). */
  lower(id: number): number {
    return -this.diff(ZERO, id);
  }

  /** Drops every constraint on x (and x itself). */
  forget(id: number): void {
    const at = this.pos.get(id);
    if (at === undefined) return;
    const n = this.n;
    const next = new Float64Array((n - 1) * (n - 1));
    let r = 0;
    for (let i = 0; i < n; i++) {
      if (i === at) continue;
      let c = 0;
      for (let j = 0; j < n; j++) {
        if (j === at) continue;
        next[r * (n - 1) + c] = this.m[i * n + j]!;
        c++;
      }
      r++;
    }
    this.ids.splice(at - 1, 1);
    this.m = next;
    this.n = n - 1;
    this.pos = new Map(this.ids.map((v, i) => [v, i + 1]));
  }

  /** Adds x_a - x_b <= c and restores closure (incrementally). */
  addConstraint(a: number, b: number, c: number): void {
    if (this.bottom || c === Infinity || a === b) {
      if (a === b && c < 0) this.bottom = true;
      return;
    }
    c = clamp(c);
    const j = this.ensure(a);
    const i = this.ensure(b);
    const n = this.n;
    const m = this.m;
    if (c >= m[i * n + j]!) return;
    if (c + m[j * n + i]! < 0) {
      this.bottom = true;
      return;
    }
    for (let p = 0; p < n; p++) {
      const pi = m[p * n + i]!;
      if (pi === Infinity) continue;
      const base = clamp(pi + c);
      for (let q = 0; q < n; q++) {
        const jq = m[j * n + q]!;
        if (jq === Infinity) continue;
        const v = clamp(base + jq);
        if (v < m[p * n + q]!) m[p * n + q] = v;
      }
    }
    for (let p = 0; p < n; p++) if (m[p * n + p]! < 0) this.bottom = true;
  }

  /** x := any value in [lo, hi], unrelated to the others. */
  assignInterval(x: number, lo: number, hi: number): void {
    if (this.bottom) return;
    const ix = this.reset(x);
    const n = this.n;
    const m = this.m;
    const up = clamp(hi);
    const down = lo === -Infinity ? Infinity : clamp(-lo);
    for (let k = 0; k < n; k++) {
      if (k === ix) continue;
      m[k * n + ix] = up === Infinity || m[k * n] === Infinity ? Infinity : clamp(m[k * n]! + up);
      m[ix * n + k] = down === Infinity || m[k] === Infinity ? Infinity : clamp(down + m[k]!);
    }
    m[ix] = up;
    m[ix * n] = down;
  }

  /** x := y + d for some d in [lo, hi] (x may be y: then x is shifted). */
  assignOffset(x: number, y: number, lo: number, hi: number): void {
    if (this.bottom) return;
    if (y === ZERO) return this.assignInterval(x, lo, hi);
    if (this.index(y) < 0) {
      this.forget(x);
      return;
    }
    const up = clamp(hi);
    const down = lo === -Infinity ? Infinity : clamp(-lo);
    if (x === y) {
      const ix = this.index(x);
      const n = this.n;
      const m = this.m;
      for (let k = 0; k < n; k++) {
        if (k === ix) continue;
        m[k * n + ix] = up === Infinity || m[k * n + ix] === Infinity ? Infinity : clamp(m[k * n + ix]! + up);
        m[ix * n + k] = down === Infinity || m[ix * n + k] === Infinity ? Infinity : clamp(m[ix * n + k]! + down);
      }
      return;
    }
    const ix = this.reset(x);
    const iy = this.index(y);
    const n = this.n;
    const m = this.m;
    for (let k = 0; k < n; k++) {
      if (k === ix) continue;
      m[k * n + ix] = up === Infinity || m[k * n + iy] === Infinity ? Infinity : clamp(m[k * n + iy]! + up);
      m[ix * n + k] = down === Infinity || m[iy * n + k] === Infinity ? Infinity : clamp(m[iy * n + k]! + down);
    }
    m[iy * n + ix] = up;
    m[ix * n + iy] = down;
  }

  /** The least upper bound: constraints both sides imply. */
  join(other: Zone): Zone {
    if (this.bottom) return other.clone();
    if (other.bottom) return this.clone();
    const ids = this.ids.filter((id) => other.pos.has(id));
    const n = ids.length + 1;
    const m = new Float64Array(n * n);
    const a = [0, ...ids.map((id) => this.pos.get(id)!)];
    const b = [0, ...ids.map((id) => other.pos.get(id)!)];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const x = this.m[a[i]! * this.n + a[j]!]!;
        const y = other.m[b[i]! * other.n + b[j]!]!;
        m[i * n + j] = x > y ? x : y;
      }
    }
    return new Zone(ids, m);
  }

  /**
   * Widening: bounds that grew jump to the next threshold (or to no bound), so that iterating a loop
   * reaches a fixpoint in as many steps as there are thresholds.
   */
  widen(next: Zone, thresholds: readonly number[]): Zone {
    if (this.bottom) return next.clone();
    if (next.bottom) return this.clone();
    const joined = this.join(next);
    const n = joined.n;
    const ids = joined.ids;
    const a = [0, ...ids.map((id) => this.pos.get(id)!)];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        const old = this.m[a[i]! * this.n + a[j]!]!;
        const now = joined.m[i * n + j]!;
        if (now > old) joined.m[i * n + j] = nextThreshold(now, thresholds);
      }
    }
    joined.close();
    return joined;
  }

  /** The greatest lower bound (both sets of constraints). */
  meet(other: Zone): Zone {
    const z = this.clone();
    if (other.bottom) z.bottom = true;
    if (z.bottom) return z;
    for (const idb of [ZERO, ...other.ids]) {
      for (const ida of [ZERO, ...other.ids]) {
        if (ida === idb) continue;
        const c = other.diff(ida, idb);
        if (c !== Infinity) z.addConstraint(ida, idb, c);
      }
    }
    return z;
  }

  /** Whether every constraint of `other` is implied here (this is included in other). */
  leq(other: Zone): boolean {
    if (this.bottom) return true;
    if (other.bottom) return false;
    const on = other.n;
    const b = [0, ...other.ids.map((id) => this.index(id))];
    for (let i = 0; i < on; i++) {
      for (let j = 0; j < on; j++) {
        if (i === j) continue;
        const bound = other.m[i * on + j]!;
        if (bound === Infinity) continue;
        const bi = b[i]!;
        const bj = b[j]!;
        if (bi < 0 || bj < 0) return false;
        if (this.m[bi * this.n + bj]! > bound) return false;
      }
    }
    return true;
  }

  /** Floyd-Warshall: makes every implied bound explicit. */
  close(): void {
    const n = this.n;
    const m = this.m;
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < n; i++) {
        const ik = m[i * n + k]!;
        if (ik === Infinity) continue;
        for (let j = 0; j < n; j++) {
          const kj = m[k * n + j]!;
          if (kj === Infinity) continue;
          const v = clamp(ik + kj);
          if (v < m[i * n + j]!) m[i * n + j] = v;
        }
      }
    }
    for (let i = 0; i < n; i++) if (m[i * n + i]! < 0) this.bottom = true;
  }

  /** Relations between distinct variables, for printing (`x - y <= c`). */
  relations(): { a: number; b: number; bound: number }[] {
    const out: { a: number; b: number; bound: number }[] = [];
    for (let i = 1; i < this.n; i++) {
      for (let j = 1; j < this.n; j++) {
        if (i === j) continue;
        const c = this.m[i * this.n + j]!;
        if (c !== Infinity) out.push({ a: this.ids[j - 1]!, b: this.ids[i - 1]!, bound: c });
      }
    }
    return out;
  }
}

/** The smallest threshold at or above v (Infinity when none). */
function nextThreshold(v: number, thresholds: readonly number[]): number {
  let lo = 0;
  let hi = thresholds.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (thresholds[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo < thresholds.length ? thresholds[lo]! : Infinity;
}
