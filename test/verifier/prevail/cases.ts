// PREVAIL's verifier test suite (../shared/data/prevail-yaml): each case's program, entry state,
// options and expected verdict, read into our terms. The verifier's runner (issue 4) checks its verdict
// on every case against `mustReject`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { assembleVerifierSyntax } from '../../../src/asm/index.ts';
import type { Instruction } from '../../../src/isa/instruction.ts';
import { sharedData } from '../../support/paths.ts';

/** One entry-state fact: `r1.type=ctx`, `r0.svalue=[0, 5]`, `s[0...7].type=number`, `r1.type in {a, b}`. */
export interface Fact {
  readonly subject: string;
  readonly property: string | undefined;
  readonly relation: '=' | 'in';
  readonly value: string;
}

/**
 * One of PREVAIL's harness assertions on its own invariant (`observe:`): at a label (`exit` or a pc), before
 * or after it, the constraints are consistent with the invariant there, or entailed by it.
 */
export interface Observation {
  readonly at: 'exit' | number;
  readonly point: 'pre' | 'post';
  readonly mode: 'consistent' | 'entailed';
  readonly constraints: readonly Fact[];
}

/** One PREVAIL test case. */
export interface PrevailCase {
  readonly file: string;
  readonly name: string;
  /** The program as the case writes it (comments name the Linux helpers its calls mean). */
  readonly source: string;
  readonly options: readonly string[];
  /** The entry state; `bottom` when the case starts unreachable (`_|_`). */
  readonly pre: readonly Fact[] | 'bottom';
  readonly instructions: readonly Instruction[];
  /** Pcs of PREVAIL's `assume` pseudo-instructions (each an `if COND goto +0` carrying the condition). */
  readonly assumes: readonly number[];
  /** PREVAIL's diagnostics; a non-empty list means the program must be rejected. */
  readonly messages: readonly string[];
  readonly mustReject: boolean;
  /** The case's well-formed `observe:` entries (malformed ones are PREVAIL's harness tests of its parser). */
  readonly observations: readonly Observation[];
  /** The pc of the exit appended to a case that ends without one: PREVAIL checks nothing there. */
  readonly harnessExit?: number;
  /** PREVAIL's harness refuses the case before verifying it (a malformed `observe:` entry), with this message. */
  readonly expectedException?: string;
  /** Set when the program uses something eBPF cannot encode (PREVAIL-internal forms such as `&!=`). */
  readonly unrepresentable?: string;
}

/** Splits `r0.svalue=[0, 5]` into subject, property and value. */
export function parseFact(text: string): Fact {
  const m = /^(.+?)(=| in )(.+)$/.exec(text);
  if (!m) throw new Error(`entry-state fact is neither 'x=value' nor 'x in {...}': ${text}`);
  const left = m[1]!.trim();
  const dot = left.lastIndexOf('.');
  const bracket = left.lastIndexOf(']');
  const hasProperty = dot > bracket;
  return { subject: hasProperty ? left.slice(0, dot) : left, property: hasProperty ? left.slice(dot + 1) : undefined, relation: m[2] === '=' ? '=' : 'in', value: m[3]!.trim() };
}

/** Every case of every YAML file, in file order. */
export function loadPrevailCases(directory = join(sharedData, 'prevail-yaml')): PrevailCase[] {
  const out: PrevailCase[] = [];
  for (const file of readdirSync(directory).filter((f) => f.endsWith('.yaml') && f !== 'test-schema.yaml').sort()) {
    for (const document of parseAllDocuments(readFileSync(join(directory, file), 'utf8'))) {
      const data = document.toJS() as { 'test-case'?: string; options?: string[]; pre?: string[]; code?: Record<string, string>; messages?: string[]; observe?: unknown; 'expected-exception'?: string } | null;
      if (!data || !data['test-case']) continue;
      const source = Object.entries(data.code ?? {}).map(([label, body]) => `${label}:\n${body}`).join('\n');
      let instructions: Instruction[] = [];
      const assumes: number[] = [];
      let unrepresentable: string | undefined;
      let harnessExit: number | undefined;
      try {
        instructions = assembleVerifierSyntax(source, { assumes });
        // PREVAIL's cases may end without `exit`: falling off the end is reaching its exit label.
        const last = instructions[instructions.length - 1];
        if (!last || (last.opcode !== 0x95 && last.opcode !== 0x05)) harnessExit = instructions.push({ opcode: 0x95, dst: 0, src: 0, offset: 0, imm: 0 }) - 1;
      } catch (error) {
        unrepresentable = (error as Error).message;
      }
      const pre = data.pre ?? [];
      const messages = data.messages ?? [];
      out.push({
        file,
        name: data['test-case'],
        source,
        options: data.options ?? [],
        pre: pre.includes('_|_') ? 'bottom' : pre.map(parseFact),
        instructions,
        assumes,
        messages,
        mustReject: messages.length > 0,
        observations: observationsOf(data.observe),
        ...(harnessExit !== undefined ? { harnessExit } : {}),
        ...(data['expected-exception'] ? { expectedException: data['expected-exception'] } : {}),
        ...(unrepresentable ? { unrepresentable } : {}),
      });
    }
  }
  return out;
}

/** The well-formed entries of a case's `observe:` list. */
function observationsOf(list: unknown): Observation[] {
  if (!Array.isArray(list)) return [];
  const out: Observation[] = [];
  for (const item of list as { at?: unknown; point?: unknown; mode?: unknown; constraints?: unknown }[]) {
    if (!item || typeof item !== 'object' || !Array.isArray(item.constraints) || !item.constraints.every((c) => typeof c === 'string')) continue;
    const at = item.at === 'exit' ? 'exit' : typeof item.at === 'number' && item.at >= 0 ? item.at : /^\d+$/.test(String(item.at)) ? Number(item.at) : undefined;
    if (at === undefined) continue;
    out.push({ at, point: item.point === 'pre' ? 'pre' : 'post', mode: item.mode === 'entailed' ? 'entailed' : 'consistent', constraints: (item.constraints as string[]).map(parseFact) });
  }
  return out;
}
