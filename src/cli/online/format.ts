// The exact text of netsh's `ebpf` tables and messages (spec §3.2-§3.8, §3.13) and of bpftool's plain
// output (§3.14), as pure functions over the API's records, so tests compare them to the character.

import type { LinkInfo, MapEntry, MapInfo, PinInfo, ProcessInfo, ProgramInfo } from '../../client/api.ts';
import { left, right } from '../io.ts';

/** `show programs` filters (spec §3.4); `type` is a program type name. */
export interface ProgramFilter {
  type?: string;
  attached?: 'any' | 'yes' | 'no';
  pinned?: 'any' | 'yes' | 'no';
  fileName?: string;
  section?: string;
  id?: number;
}

function yesNo(want: 'any' | 'yes' | 'no' | undefined, has: boolean): boolean {
  return want === undefined || want === 'any' || (want === 'yes') === has;
}

/** The programs `show programs` lists with these filters. */
export function filterPrograms(programs: readonly ProgramInfo[], filter: ProgramFilter): ProgramInfo[] {
  return programs.filter(
    (p) =>
      (filter.type === undefined || p.type === filter.type) &&
      yesNo(filter.attached, p.linkIds.length > 0) &&
      yesNo(filter.pinned, p.pinnedPaths.length > 0) &&
      (filter.fileName === undefined || p.fileName === filter.fileName) &&
      (filter.section === undefined || p.section === filter.section) &&
      (filter.id === undefined || p.id === filter.id),
  );
}

/** `show programs` at level normal: `"%6u  %4u  %5u  %-9s  %-13s  %s\n"` rows under the header. */
export function formatProgramsTable(programs: readonly ProgramInfo[]): string {
  let text = '\n    ID  Pins  Links  Mode       Type           Name\n======  ====  =====  =========  =============  ====================\n';
  for (const p of programs) {
    text += `${right(p.id, 6)}  ${right(p.pinnedPaths.length, 4)}  ${right(p.linkIds.length, 5)}  ${left(p.mode, 9)}  ${left(p.type, 13)}  ${p.name}\n`;
  }
  return text;
}

/** `show programs level=verbose` (or with `id=`): one block per program. */
export function formatProgramsVerbose(programs: readonly ProgramInfo[]): string {
  let text = '';
  for (const p of programs) {
    text += `\nID             : ${p.id}\nFile name      : ${p.fileName}\nSection        : ${p.section}\nName           : ${p.name}\n`;
    text += `Program type   : ${p.type}\nMode           : ${p.mode}\n# map IDs      : ${p.mapIds.length}\n`;
    p.mapIds.forEach((id, i) => (text += `${i === 0 ? 'map IDs        : ' : '                 '}${id}\n`));
    text += `# pinned paths : ${p.pinnedPaths.length}\n# links        : ${p.linkIds.length}\n`;
  }
  return text;
}

/** `show maps`: `"%7u  %18s%6u%7u%9u%7d%6u  %s\n"` rows under the two-line header. */
export function formatMapsTable(maps: readonly MapInfo[]): string {
  let text =
    '\n                              Key  Value      Max  Inner\n' +
    '     ID            Map Type  Size   Size  Entries     ID  Pins  Name\n' +
    '=======  ==================  ====  =====  =======  =====  ====  ========\n';
  for (const m of maps) {
    text += `${right(m.id, 7)}  ${right(m.type, 18)}${right(m.keySize, 6)}${right(m.valueSize, 7)}${right(m.maxEntries, 9)}${right(m.innerMapId, 7)}${right(m.pinnedPaths.length, 6)}  ${m.name}\n`;
  }
  return text;
}

/** `show links`: `"%7u%9u  %s\n"` rows (link id, program id, attach type). */
export function formatLinksTable(links: readonly LinkInfo[]): string {
  let text = '\n   Link  Program  Attach\n     ID       ID  Type\n=======  =======  =============\n';
  for (const l of links) text += `${right(l.id, 7)}${right(l.programId, 9)}  ${l.attachType}\n`;
  return text;
}

/**
 * `show pins`: `"%7u  Program  %s\n"` rows sorted by path. netsh prints `Program` for every path without
 * looking; we print the pinned object's real kind (`    Map` for maps), the same width.
 */
export function formatPinsTable(pins: readonly PinInfo[]): string {
  let text = '\n     ID     Type  Path\n=======  =======  ==============\n';
  for (const p of pins) text += `${right(p.id, 7)}  ${right(p.kind === 'map' ? 'Map' : 'Program', 7)}  ${p.path}\n`;
  return text;
}

/** `show processes`: PID right-aligned in 5 columns, two spaces, the process name. */
export function formatProcessesTable(processes: readonly ProcessInfo[]): string {
  let text = '\n  PID  Name\n=====  ==============\n';
  for (const p of processes) text += `${right(p.pid, 5)}  ${p.name}\n`;
  return text;
}

/** `add program` success. */
export function loadedMessage(id: number): string {
  return `Loaded with ID ${id}\n`;
}

/** One line of `delete program` (or `set program pinpath=""`). */
export function unpinnedMessage(id: number, path: string): string {
  return `Unpinned ${id} from ${path}\n`;
}

/** Messages netsh prints for failures, word for word. */
export const netshErrors = {
  programNotFound: 'Program not found\n',
  /** What netsh prints for a handler's ERROR_INVALID_PARAMETER (87), e.g. pin/unpin of an unknown id. */
  invalidParameter: 'The parameter is incorrect.\n',
  couldNotOpen: (errno: number) => `error ${errno}: could not open file\n`,
  couldNotLoad: (errno: number, log: string) => `error ${errno}: could not load program\n${log}${log && !log.endsWith('\n') ? '\n' : ''}`,
  couldNotAttach: (result: number) => `error ${result}: could not attach program\n`,
  couldNotDetach: (result: number) => `error ${result}: could not detach program\n`,
  couldNotPin: (errno: number, path: string) => `error ${errno}: could not pin to ${path}\n`,
  unpinFailed: (result: number, id: number, path: string) => `Error ${result} unpinning ${id} from ${path}\n`,
  interfaceInvalid: 'Interface parameter is invalid.\n',
  interfaceNotAllowed: "Interface parameter is not allowed for program types that don't support interfaces.\n",
  compartmentInvalid: 'Compartment parameter is invalid.\n',
  compartmentNotAllowed: "Compartment parameter is not allowed for program types that don't support compartments.\n",
  notAdministrator: 'This command requires running as Administrator\n',
} as const;

/** bpftool `prog show`: `<id>: <type>  name <name>  ` then `  map_ids a,b`. */
export function formatBpftoolProg(p: ProgramInfo): string {
  let text = `${p.id}: ${p.type}  name ${p.name}  \n`;
  if (p.mapIds.length > 0) text += `  map_ids ${p.mapIds.join(',')}\n`;
  if (p.pinnedPaths.length > 0) text += p.pinnedPaths.map((path) => `  pinned ${path}\n`).join('');
  return text;
}

/** bpftool `map show`: `<id>: <type>  name <name>  flags 0x0` then the sizes. */
export function formatBpftoolMap(m: MapInfo): string {
  let text = `${m.id}: ${m.type}  name ${m.name}  flags 0x${m.flags.toString(16)}\n\tkey ${m.keySize}B  value ${m.valueSize}B  max_entries ${m.maxEntries}\n`;
  if (m.pinnedPaths.length > 0) text += m.pinnedPaths.map((path) => `\tpinned ${path}\n`).join('');
  return text;
}

/** bpftool `link show`: `<id>: <attach type>  prog <id>` and the attach parameter. */
export function formatBpftoolLink(l: LinkInfo): string {
  let text = `${l.id}: ${l.attachType}  prog ${l.programId}\n`;
  if (l.interfaceIndex !== undefined) text += `\tifindex ${l.interfaceIndex}\n`;
  if (l.compartment !== undefined) text += `\tcompartment ${l.compartment}\n`;
  return text;
}

/** Hex bytes separated by spaces, as bpftool prints keys and values. */
export function spacedHex(hex: string): string {
  return (hex.match(/../g) ?? []).join(' ');
}

/** bpftool `map dump` without BTF: `key: .. value: ..` lines, then `Found N elements`. */
export function formatHexDump(entries: readonly MapEntry[]): string {
  let text = '';
  for (const e of entries) text += `key: ${spacedHex(e.key)}  value: ${spacedHex(e.value)}\n`;
  return `${text}Found ${entries.length} element${entries.length === 1 ? '' : 's'}\n`;
}

/** bpftool's `Error: get by id (N): No such file or directory` for an unknown object. */
export function unknownIdMessage(id: number): string {
  return `Error: get by id (${id}): No such file or directory\n`;
}
