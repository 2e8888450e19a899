// What LLVM's own tools see in a compiled object: the helper ids its calls name and its section names.
// The tests check our headers through these, not through our own ELF reader.
import { execFileSync } from 'node:child_process';

/** The immediate of every `call` instruction, in order, as llvm-objdump-19 disassembles them. */
export function helperCalls(objectPath: string): number[] {
  const listing = execFileSync('llvm-objdump-19', ['-d', '--no-show-raw-insn', objectPath], { encoding: 'utf8' });
  return [...listing.matchAll(/\bcall (0x[0-9a-f]+|\d+)\b/g)].map((m) => Number(m[1]));
}

/** The disassembly of an object, as llvm-objdump-19 prints it. */
export function disassembly(objectPath: string): string {
  return execFileSync('llvm-objdump-19', ['-d', '--no-show-raw-insn', objectPath], { encoding: 'utf8' });
}

/** Section names, as llvm-readelf-19 lists them. */
export function sectionNames(objectPath: string): string[] {
  const listing = execFileSync('llvm-readelf-19', ['-S', '--wide', objectPath], { encoding: 'utf8' });
  return [...listing.matchAll(/^\s*\[\s*\d+\]\s+(\S+)/gm)].map((m) => m[1]!);
}
