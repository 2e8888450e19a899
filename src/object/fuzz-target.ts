// What the hostile-input test and `npm run fuzz:elf` run on each mutated file: open it, and when it opens,
// use it the way later layers do (print its BTF, decode zeroed keys and values through BTF), so a file
// that opens but would crash or hang a consumer is caught too.

import { formatBtfDump } from '../btf/dump.ts';
import { formatValue } from '../btf/value.ts';
import { openObject } from './object.ts';

/** Error codes a malformed object may be refused with; anything else is a finding. */
export const TYPED_ERROR_CODES: ReadonlySet<string> = new Set(['ELF_INVALID', 'BTF_INVALID', 'OBJECT_INVALID', 'INSTRUCTION_BYTES']);

/** Values larger than this are not decoded by the fuzz target (the decoder has its own limits; this bounds memory). */
const MAX_DECODED_BYTES = 1 << 20;

/** How a file fared: opened (and used), or refused with a typed error. Untyped errors propagate. */
export type FuzzOutcome = { kind: 'opened' } | { kind: 'refused'; code: string; message: string };

/** Opens `bytes` and exercises the result; throws whatever a typed refusal is not. */
export function fuzzOutcome(bytes: Uint8Array): FuzzOutcome {
  try {
    const object = openObject(bytes);
    if (object.btf) {
      formatBtfDump(object.btf);
      for (const map of object.maps) {
        if (map.keyTypeId !== undefined && map.keySize <= MAX_DECODED_BYTES) formatValue(object.btf, map.keyTypeId, new Uint8Array(map.keySize));
        if (map.valueTypeId !== undefined && map.valueSize <= MAX_DECODED_BYTES) formatValue(object.btf, map.valueTypeId, new Uint8Array(map.valueSize));
      }
    }
    return { kind: 'opened' };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && TYPED_ERROR_CODES.has(code)) return { kind: 'refused', code, message: (error as Error).message };
    throw error;
  }
}
