// Where tests find the repository and the outside test data (../shared/data beside the repository).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ElfFile, SHF_EXECINSTR } from '../../src/elf/reader.ts';

/** The repository's root directory. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The outside test data (read, never copied). */
export const sharedData = resolve(repoRoot, '..', 'shared', 'data');

/** Every file under `dir` whose name passes `keep`, sorted. */
export function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path, keep));
    else if (keep(name)) out.push(path);
  }
  return out.sort();
}

/** The real-world objects of the ebpf-samples corpus, outside invalid/. */
export function corpusObjects(): string[] {
  return filesUnder(join(sharedData, 'ebpf-samples'), (n) => n.endsWith('.o')).filter((p) => !p.includes('/invalid/'));
}

/** Every non-empty code section of the corpus: its object's path, its name and its raw bytes. */
export function* corpusCodeSections(): Generator<{ path: string; section: string; bytes: Uint8Array }> {
  for (const path of corpusObjects()) {
    const elf = new ElfFile(new Uint8Array(readFileSync(path)));
    for (const section of elf.sections) {
      if ((section.flags & SHF_EXECINSTR) === 0 || section.size === 0) continue;
      yield { path, section: section.name, bytes: elf.sectionData(section) };
    }
  }
}
