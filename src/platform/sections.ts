// Section names to program and attach types (spec §2.7): each attach type registers its name as a section
// prefix, and a section resolves to the longest registered prefix it starts with (`bind/0` is a bind
// program, `cgroup/connect_authorization4` is not a `cgroup/connect4` one).

import { ATTACH_TYPES } from './attach-types.ts';
import type { SectionSpec } from './types.ts';

/** The registered section prefixes, one per attach type. */
export const SECTIONS: readonly SectionSpec[] = ATTACH_TYPES.map((a) => ({ prefix: a.name, programType: a.programType, attachType: a.id }));

/** The section spec whose prefix is the longest one `section` starts with. */
export function findSection(sections: readonly SectionSpec[], section: string): SectionSpec | undefined {
  let best: SectionSpec | undefined;
  for (const candidate of sections) {
    if (section.startsWith(candidate.prefix) && (!best || candidate.prefix.length > best.prefix.length)) best = candidate;
  }
  return best;
}
