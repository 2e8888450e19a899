// Linux as a platform: its helper, program type, map type and attach type numbering and its section
// names, for verifying the Linux objects of the real-world corpus (`platform=linux`). Only the verifier
// and the listings read it; the runtime implements eBPF for Windows alone.

import type { HelperPrototype, Platform, ProgramTypeSpec } from '../types.ts';
import { LINUX_HELPERS, type LinuxHelper } from './helpers.ts';
import { LINUX_MAP_TYPES } from './map-types.ts';
import { LINUX_PROGRAM_TYPES } from './program-types.ts';
import { LINUX_ATTACH_TYPES, LINUX_SECTIONS, linuxSectionInfo } from './sections.ts';

export { LINUX_HELPERS, LINUX_MAP_TYPES, LINUX_PROGRAM_TYPES, LINUX_ATTACH_TYPES, LINUX_SECTIONS, linuxSectionInfo };

const byId = <T extends { id: number }>(items: readonly T[]): ReadonlyMap<number, T> => new Map(items.map((item) => [item.id, item]));
const helpers = byId(LINUX_HELPERS);
const programTypes = byId(LINUX_PROGRAM_TYPES);
const mapTypes = byId(LINUX_MAP_TYPES);
const attachTypes = byId(LINUX_ATTACH_TYPES);

/** Whether a program of this type may call the helper: a helper bound to contexts needs the type's. */
export function linuxHelperAvailable(helper: LinuxHelper, type: ProgramTypeSpec | undefined): boolean {
  return !helper.contexts || (type !== undefined && helper.contexts.includes(type.contextStruct));
}

/** Linux: its numbering, contexts and helpers. */
export const linuxPlatform: Platform = {
  name: 'linux',
  legacyPacketAccess: true,
  // PREVAIL's Linux platform resolves these; libbpf-era loaders link them in.
  builtinCalls: ['memset', 'memcpy', 'memmove', 'memcmp'],
  helpers: helpers as ReadonlyMap<number, HelperPrototype>,
  programTypes: LINUX_PROGRAM_TYPES,
  mapTypes: LINUX_MAP_TYPES,
  attachTypes: LINUX_ATTACH_TYPES,
  sections: LINUX_SECTIONS,
  programTypeById: (id) => programTypes.get(id),
  programTypeByName: (name) => LINUX_PROGRAM_TYPES.find((t) => t.name === name),
  sectionInfo: (section, objectPath) => linuxSectionInfo(section, objectPath),
  helper: (programType, id) => {
    const helper = helpers.get(id);
    if (!helper || linuxHelperAvailable(helper, programType)) return helper;
    // Known, but not to this program type: refused with the reason.
    return { ...helper, unsupported: `${programType?.name ?? 'this'} programs cannot call it: it takes the ${helper.contexts!.join(' or ')} context, and theirs is ${programType?.contextStruct || 'none'}` };
  },
  mapTypeById: (id) => mapTypes.get(id),
  attachTypeById: (id) => attachTypes.get(id),
};
