// The platform description: the one place helpers, program types, map types, attach types and section
// names are declared. The verifier, the runtime, the CLI and the Studio all read it.

import { ATTACH_TYPES, SECTIONS } from './attach-types.ts';
import { GENERAL_HELPERS } from './helpers.ts';
import { MAP_TYPES } from './map-types.ts';
import { PROGRAM_TYPES } from './program-types.ts';
import type { Platform } from './types.ts';

export type * from './types.ts';

/** eBPF for Windows: its numbering, contexts and helpers. */
export const windowsPlatform: Platform = {
  name: 'windows',
  helpers: new Map(GENERAL_HELPERS.map((helper) => [helper.id, helper])),
  programTypes: PROGRAM_TYPES,
  mapTypes: MAP_TYPES,
  attachTypes: ATTACH_TYPES,
  sections: SECTIONS,
  programTypeById: (id) => PROGRAM_TYPES.find((t) => t.id === id),
  programTypeByName: (name) => PROGRAM_TYPES.find((t) => t.name === name),
  sectionInfo(section) {
    let best: (typeof SECTIONS)[number] | undefined;
    for (const candidate of SECTIONS) {
      if (section.startsWith(candidate.prefix) && (!best || candidate.prefix.length > best.prefix.length)) best = candidate;
    }
    return best;
  },
  helper(programType, id) {
    return this.helpers.get(id) ?? programType?.helpers.find((helper) => helper.id === id);
  },
  mapTypeById: (id) => MAP_TYPES.find((t) => t.id === id),
  attachTypeById: (id) => ATTACH_TYPES.find((t) => t.id === id),
};
