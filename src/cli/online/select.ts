// bpftool's ways of naming objects and bytes on the command line: `id N`, `name NAME`, `pinned PATH`
// select programs and maps; keys and values are bytes (`0x01 2 3 4` or `hex 01 02 03 04`).

import type { EbpfApi, MapInfo, ProgramInfo } from '../../client/index.ts';
import { UsageError } from '../args.ts';
import { CliError } from '../io.ts';
import { unknownIdMessage } from './format.ts';

/** A selector as typed: `id 5`, `name proc_map`, `pinned BPF:\x`. */
export interface Selector {
  readonly by: 'id' | 'name' | 'pinned';
  readonly value: string;
}

/** Reads a selector at `argv[at]`; returns it and the index after it. */
export function readSelector(argv: readonly string[], at: number, what: string): [Selector, number] {
  const by = argv[at];
  const value = argv[at + 1];
  if ((by !== 'id' && by !== 'name' && by !== 'pinned') || value === undefined) throw new UsageError(`expected ${what} as 'id N', 'name NAME' or 'pinned PATH'`);
  if (by === 'id' && !/^\d+$/.test(value)) throw new UsageError(`'id' needs a number, not '${value}'`);
  return [{ by, value }, at + 2];
}

/** The objects a selector names (several for `name`, when several share it). */
export async function selectObjects<T extends ProgramInfo | MapInfo>(api: EbpfApi, kind: 'program' | 'map', selector: Selector): Promise<T[]> {
  const all = (kind === 'program' ? await api.call('programs.list', {}) : await api.call('maps.list', {})) as T[];
  let found: T[];
  if (selector.by === 'id') found = all.filter((o) => o.id === Number(selector.value));
  else if (selector.by === 'name') found = all.filter((o) => o.name === selector.value);
  else {
    const pin = await api.call('pins.get', { path: selector.value }).catch(() => undefined);
    found = pin && pin.kind === kind ? all.filter((o) => o.id === pin.id) : [];
  }
  if (found.length === 0) {
    if (selector.by === 'id') throw new CliError(unknownIdMessage(Number(selector.value)), 'NOT_FOUND');
    throw new CliError(`Error: ${kind} ${selector.by} '${selector.value}' not found\n`, 'NOT_FOUND');
  }
  return found;
}

/** Exactly one object for a selector (a `name` shared by several is an error). */
export async function selectOne<T extends ProgramInfo | MapInfo>(api: EbpfApi, kind: 'program' | 'map', selector: Selector): Promise<T> {
  const found = await selectObjects<T>(api, kind, selector);
  if (found.length > 1) throw new CliError(`Error: ${found.length} ${kind}s are named '${selector.value}'; select one by id\n`, 'AMBIGUOUS');
  return found[0]!;
}

const KEYWORDS = new Set(['key', 'value', 'any', 'noexist', 'exist']);

/** Reads bytes at `argv[at]` (`hex 01 02` or numbers 0-255, decimal or 0x); returns hex and the next index. */
export function readBytes(argv: readonly string[], at: number, what: string): [string, number] {
  let i = at;
  let hex = '';
  if (argv[i] === 'hex') {
    i++;
    while (i < argv.length && !KEYWORDS.has(argv[i]!)) {
      const word = argv[i]!.replace(/^0x/i, '');
      if (!/^([0-9a-f]{2})+$/i.test(word)) throw new UsageError(`${what}: '${argv[i]}' is not hex bytes`);
      hex += word.toLowerCase();
      i++;
    }
  } else {
    while (i < argv.length && !KEYWORDS.has(argv[i]!)) {
      const word = argv[i]!;
      const n = /^0x[0-9a-f]{1,2}$/i.test(word) ? parseInt(word, 16) : /^\d{1,3}$/.test(word) ? Number(word) : NaN;
      if (!(n >= 0 && n <= 255)) throw new UsageError(`${what}: '${word}' is not a byte (0-255 or 0x00-0xff)`);
      hex += n.toString(16).padStart(2, '0');
      i++;
    }
  }
  if (hex === '') throw new UsageError(`${what} needs bytes`);
  return [hex, i];
}
