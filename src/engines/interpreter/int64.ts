// 64-bit arithmetic on pairs of 32-bit halves, so the interpreter's hot path never allocates a BigInt.
// A value is (hi, lo) with both halves held as signed 32-bit integers. Results are written to `out`.

/** Scratch output of the operations below: [lo, hi]. */
export const out = new Int32Array(2);

/** (ah:al) * (bh:bl), the low 64 bits. */
export function mul64(al: number, ah: number, bl: number, bh: number): void {
  // 16-bit limbs, as in Long.js: every partial product fits in a double exactly.
  const a48 = ah >>> 16, a32 = ah & 0xffff, a16 = al >>> 16, a00 = al & 0xffff;
  const b48 = bh >>> 16, b32 = bh & 0xffff, b16 = bl >>> 16, b00 = bl & 0xffff;
  let c48 = 0, c32 = 0, c16 = 0, c00 = 0;
  c00 += a00 * b00; c16 += c00 >>> 16; c00 &= 0xffff;
  c16 += a16 * b00; c32 += c16 >>> 16; c16 &= 0xffff;
  c16 += a00 * b16; c32 += c16 >>> 16; c16 &= 0xffff;
  c32 += a32 * b00; c48 += c32 >>> 16; c32 &= 0xffff;
  c32 += a16 * b16; c48 += c32 >>> 16; c32 &= 0xffff;
  c32 += a00 * b32; c48 += c32 >>> 16; c32 &= 0xffff;
  c48 += a48 * b00 + a32 * b16 + a16 * b32 + a00 * b48; c48 &= 0xffff;
  out[0] = (c16 << 16) | c00;
  out[1] = (c48 << 16) | c32;
}

/** The unsigned 64-bit value of a pair. */
export function toUnsigned(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** The signed 64-bit value of a pair. */
export function toSigned(lo: number, hi: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo >>> 0);
}

/** Splits a BigInt (any sign, any size: taken modulo 2^64) into `out`. */
export function fromBigInt(value: bigint): void {
  const v = BigInt.asUintN(64, value);
  out[0] = Number(v & 0xffffffffn) | 0;
  out[1] = Number(v >> 32n) | 0;
}

/** Unsigned 64-bit division and modulo with eBPF's rules for a zero divisor (quotient 0, remainder = dividend). */
export function divmod64(al: number, ah: number, bl: number, bh: number, modulo: boolean, signed: boolean): void {
  if (bl === 0 && bh === 0) {
    if (modulo) { out[0] = al; out[1] = ah; } else { out[0] = 0; out[1] = 0; }
    return;
  }
  if (!signed) {
    if (ah === 0 && bh === 0) {
      const a = al >>> 0, b = bl >>> 0;
      out[0] = (modulo ? a % b : Math.floor(a / b)) | 0;
      out[1] = 0;
      return;
    }
    if (bh === 0) {
      // Long division by a 32-bit divisor in 16-bit limbs: every step is exact in a double.
      const b = bl >>> 0;
      let rem = 0;
      const q0 = Math.floor((rem = (ah >>> 16)) / b); rem -= q0 * b;
      let cur = rem * 65536 + (ah & 0xffff);
      const q1 = Math.floor(cur / b); rem = cur - q1 * b;
      cur = rem * 65536 + (al >>> 16);
      const q2 = Math.floor(cur / b); rem = cur - q2 * b;
      cur = rem * 65536 + (al & 0xffff);
      const q3 = Math.floor(cur / b); rem = cur - q3 * b;
      if (modulo) { out[0] = rem | 0; out[1] = 0; } else { out[0] = (q2 << 16) | q3; out[1] = (q0 << 16) | q1; }
      return;
    }
    const a = toUnsigned(al, ah), b = toUnsigned(bl, bh);
    fromBigInt(modulo ? a % b : a / b);
    return;
  }
  // Signed: BigInt division truncates toward zero, as eBPF's sdiv/smod do; INT64_MIN / -1 wraps.
  const a = toSigned(al, ah), b = toSigned(bl, bh);
  fromBigInt(modulo ? a % b : a / b);
}
