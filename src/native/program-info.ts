// The program-info hash (spec §4.4): what a program was verified against, as one SHA-256, so that a
// native module only runs on a platform whose program type and helper prototypes are those the verifier
// saw. bpf2c hashes the program type descriptor, the count of helpers used, then each used helper in
// increasing id (id, name, return type, argument types, flags when it reallocates the packet). We hash the
// same fields from our platform table, for every helper the program calls: the general helpers are part
// of the same table here, and a changed general prototype invalidates a verification just as much.

import { createHash } from 'node:crypto';
import type { Instruction } from '../isa/instruction.ts';
import { lookupForm } from '../isa/opcodes.ts';
import type { Platform, ProgramTypeSpec } from '../platform/index.ts';

/** The helper ids a program calls (ascending, each once). */
export function helpersUsed(instructions: readonly Instruction[]): number[] {
  const ids = new Set<number>();
  for (let pc = 0; pc < instructions.length; pc++) {
    const form = lookupForm(instructions[pc]!);
    if (!form) continue;
    if (form.semantics.kind === 'call' && form.semantics.target === 'helper') ids.add(instructions[pc]!.imm);
    pc += form.slots - 1;
  }
  return [...ids].sort((a, b) => a - b);
}

class HashInput {
  private readonly hash = createHash('sha256');

  str(text: string): this {
    const bytes = Buffer.from(text, 'utf8');
    this.u32(bytes.length);
    this.hash.update(bytes);
    return this;
  }

  u32(value: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value >>> 0);
    this.hash.update(b);
    return this;
  }

  i32(value: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32LE(value | 0);
    this.hash.update(b);
    return this;
  }

  hex(): string {
    return this.hash.digest('hex');
  }
}

/**
 * The program-info hash of a program of type `programTypeId` calling `helperIds`, on `platform`. An unknown
 * program type or helper hashes as such (and so never matches a hash made where it was known).
 */
export function programInfoHash(platform: Platform, programTypeId: number, helperIds: readonly number[]): string {
  const h = new HashInput();
  const type: ProgramTypeSpec | undefined = platform.programTypeById(programTypeId);
  h.str('program-type');
  if (!type) {
    h.str('unknown').u32(programTypeId);
  } else {
    // The descriptor: name, context layout (size, data pointers, fields), GUID, bpf_prog_type, return range.
    h.str(type.name).str(type.guid).u32(type.id).str(type.contextStruct);
    h.u32(type.contextSize).i32(type.dataOffset).i32(type.dataEndOffset).i32(type.metaOffset);
    h.u32(type.fields.length);
    for (const f of type.fields) h.str(f.name).u32(f.offset).u32(f.size).u32(f.writable ? 1 : 0).str(f.pointer ?? '');
    if (type.returnRange) h.u32(1).i32(type.returnRange[0]).i32(type.returnRange[1]);
    else h.u32(0);
  }
  h.str('helpers').u32(helperIds.length);
  for (const id of [...helperIds].sort((a, b) => a - b)) {
    const helper = platform.helper(type, id);
    h.u32(id);
    if (!helper) {
      h.str('unknown');
      continue;
    }
    h.str(helper.name).str(helper.returns).u32(helper.args.length);
    for (const arg of helper.args) h.str(arg);
    h.u32(helper.reallocatesPacket ? 1 : 0).u32(helper.implicitContext ? 1 : 0);
  }
  return h.hex();
}
