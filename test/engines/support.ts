// Shared by the engine tests: a run's outcome as text, and the first byte where two arenas differ.

/** r0 as a number, or the fault's kind and pc (both engines name faults the same way). */
export function outcome(run: () => bigint): string {
  try {
    return `r0 = 0x${run().toString(16)}`;
  } catch (error) {
    const e = error as { code?: string; pc?: number; message: string };
    return `fault ${e.code ?? e.message} at pc ${e.pc ?? '?'}`;
  }
}

/** The first differing byte of two arenas, or undefined (compared whole, with memcmp first). */
export function firstDifference(a: Uint8Array, b: Uint8Array): string | undefined {
  if (a.length !== b.length) return `arena sizes ${a.length} and ${b.length}`;
  if (Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))) return undefined;
  for (let i = 0; ; i++) if (a[i] !== b[i]) return `byte 0x${i.toString(16)}: ${a[i]} against ${b[i]}`;
}
