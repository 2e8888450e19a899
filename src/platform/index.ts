// The platform description: the one place helpers, program types, map types, attach types and section
// names are declared. The verifier, the runtime, the CLI and the Studio all read it.

import { ATTACH_TYPES } from './attach-types.ts';
import { GENERAL_HELPERS } from './helpers.ts';
import { MAP_TYPES } from './map-types.ts';
import { PROGRAM_TYPES } from './program-types.ts';
import { findSection, SECTIONS } from './sections.ts';
import type { ContextField, Platform, ProgramTypeSpec } from './types.ts';

export type * from './types.ts';

const fieldsByName = new WeakMap<ProgramTypeSpec, ReadonlyMap<string, ContextField>>();

/** A program type's context fields by name (the first of a name's union members), worked out once per type. */
export function contextFields(type: ProgramTypeSpec): ReadonlyMap<string, ContextField> {
  let fields = fieldsByName.get(type);
  if (!fields) {
    const byName = new Map<string, ContextField>();
    for (const f of type.fields) if (!byName.has(f.name)) byName.set(f.name, f);
    fieldsByName.set(type, (fields = byName));
  }
  return fields;
}

const byId = <T extends { id: number }>(items: readonly T[]): ReadonlyMap<number, T> => new Map(items.map((item) => [item.id, item]));
const programTypes = byId(PROGRAM_TYPES);
const mapTypes = byId(MAP_TYPES);
const attachTypes = byId(ATTACH_TYPES);
const generalHelpers = byId(GENERAL_HELPERS);

/** eBPF for Windows: its numbering, contexts and helpers. */
export const windowsPlatform: Platform = {
  name: 'windows',
  helpers: generalHelpers,
  programTypes: PROGRAM_TYPES,
  mapTypes: MAP_TYPES,
  attachTypes: ATTACH_TYPES,
  sections: SECTIONS,
  programTypeById: (id) => programTypes.get(id),
  programTypeByName: (name) => PROGRAM_TYPES.find((t) => t.name === name),
  sectionInfo: (section) => findSection(SECTIONS, section),
  helper: (programType, id) =>
    programType?.globalHelperOverrides.find((h) => h.id === id) ?? programType?.helpers.find((h) => h.id === id) ?? generalHelpers.get(id),
  mapTypeById: (id) => mapTypes.get(id),
  attachTypeById: (id) => attachTypes.get(id),
};

export { linuxPlatform } from './linux/index.ts';
