// Runs the ebpf-samples corpus (../shared/data/ebpf-samples) through the verifier under the Linux platform:
// each program EXPECTED.tsv lists as present is found in its object (by section and function name),
// verified, and its verdict set beside PREVAIL's expected status. Used by test/verifier/corpus.test.ts,
// `npm run corpus` and the corpus benchmark.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openObjectFile, type ObjectSpec } from '../../../src/object/index.ts';
import { linuxPlatform } from '../../../src/platform/linux/index.ts';
import { verifyProgram } from '../../../src/verifier/index.ts';
import { sharedData } from '../../support/paths.ts';

export const CORPUS = join(sharedData, 'ebpf-samples');

/** Instructions the analysis may explore per program before the program is reported too complex (the largest corpus program explores about 180,000). */
export const CORPUS_BUDGET = 1_000_000;

/** PREVAIL's expected status of a program. */
export type Expected = 'pass' | 'reject' | 'reject_load' | 'expected_failure';

/** One program of the corpus, as EXPECTED.tsv lists it. */
export interface CorpusRow {
  readonly project: string;
  readonly object: string;
  readonly section: string;
  readonly function: string;
  readonly expected: Expected;
  /** For expected failures: PREVAIL's kind and reason. */
  readonly kind: string;
  readonly reason: string;
}

/**
 * Our verdict: accepted, rejected by the verifier, the object refused by the loader (a clear error), the
 * program not found in the opened object, or the analysis gave up (too complex within the budget).
 */
export type Verdict = 'accept' | 'reject' | 'load_error' | 'not_found' | 'too_complex';

export interface CorpusResult {
  readonly row: CorpusRow;
  readonly verdict: Verdict;
  /** The first error (pc and message), the loader's error, or 'accepted'. */
  readonly detail: string;
  readonly milliseconds: number;
  /** Instructions the analysis stepped through (0 when it did not run). */
  readonly explored: number;
}

/** Every program of EXPECTED.tsv whose object is present here, in file order. */
export function corpusRows(): CorpusRow[] {
  const lines = readFileSync(join(CORPUS, 'EXPECTED.tsv'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  const header = lines[0]!.split('\t');
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`EXPECTED.tsv has no column ${name}`);
    return i;
  };
  const [project, object, section, fn, status, kind, reason, present] = ['project', 'object', 'section', 'function', 'prevail_test_status', 'kind', 'reason', 'present_here'].map(col);
  return lines.slice(1).map((l) => l.split('\t')).filter((c) => c[present!] === 'True').map((c) => ({
    project: c[project!]!, object: c[object!]!, section: c[section!]!, function: c[fn!]!,
    expected: c[status!]! as Expected, kind: c[kind!] ?? '', reason: c[reason!] ?? '',
  }));
}

/** A row's key, as the disagreement list names it. */
export const rowKey = (r: CorpusRow) => `${r.project}/${r.object} ${r.section} ${r.function}`;

/** Verifies the rows (grouped by object: each object opened once). */
export async function runCorpus(rows: readonly CorpusRow[], budget = CORPUS_BUDGET): Promise<CorpusResult[]> {
  const objects = new Map<string, Promise<ObjectSpec | Error>>();
  const results: CorpusResult[] = [];
  for (const row of rows) {
    const path = join(CORPUS, row.project, row.object);
    if (!objects.has(path)) objects.set(path, openObjectFile(path, { platform: linuxPlatform, everyFunction: true, noneRelocationsOnLddw: true }).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))));
    const object = await objects.get(path)!;
    results.push(verifyRow(row, path, object, budget));
  }
  return results;
}

function verifyRow(row: CorpusRow, path: string, object: ObjectSpec | Error, budget: number): CorpusResult {
  if (object instanceof Error) return { row, verdict: 'load_error', detail: `${object.name}: ${object.message}`, milliseconds: 0, explored: 0 };
  const program = object.programs.find((p) => p.section === row.section && p.name === row.function);
  if (!program) return { row, verdict: 'not_found', detail: `no program ${row.function} in section ${row.section} (the loader found ${object.programs.length}: ${object.programs.map((p) => `${p.section}:${p.name}`).slice(0, 4).join(', ')}${object.programs.length > 4 ? ', ...' : ''})`, milliseconds: 0, explored: 0 };
  const started = performance.now();
  try {
    const v = verifyProgram(object, program, { platform: linuxPlatform, objectPath: path, budget });
    const milliseconds = performance.now() - started;
    const explored = v.statistics.instructionsExplored;
    const first = v.errors[0];
    if (v.ok) return { row, verdict: 'accept', detail: 'accepted', milliseconds, explored };
    if (first && /gave up after \d+ instructions/.test(first.message)) return { row, verdict: 'too_complex', detail: `${first.pc}: ${first.message}`, milliseconds, explored };
    return { row, verdict: 'reject', detail: first ? `${first.pc}: ${first.message}` : 'rejected without an error', milliseconds, explored };
  } catch (error) {
    // Never a crash: an exception is a verdict with its message (the corpus test requires there be none).
    return { row, verdict: 'reject', detail: `exception: ${(error as Error).stack ?? String(error)}`, milliseconds: performance.now() - started, explored: 0 };
  }
}

/** Whether a verdict is what PREVAIL's status asks (expected failures agree either way). */
export function agrees(r: CorpusResult): boolean {
  switch (r.row.expected) {
    case 'pass': return r.verdict === 'accept';
    // A file the loader refuses never runs: for an unsafe program that is a refusal too.
    case 'reject': return r.verdict === 'reject' || r.verdict === 'too_complex' || r.verdict === 'load_error';
    case 'reject_load': return r.verdict === 'load_error';
    case 'expected_failure': return true;
  }
}

/** PREVAIL's seconds per program on a machine like ours (prevail-results-here.tsv). */
export function prevailSeconds(): number[] {
  const lines = readFileSync(join(CORPUS, 'prevail-results-here.tsv'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  const header = lines[0]!.split('\t');
  const s = header.indexOf('seconds');
  return lines.slice(1).map((l) => Number(l.split('\t')[s]));
}

/** One listed disagreement: a program whose verdict is not the one its expected status asks, with why. */
export interface Disagreement {
  readonly program: string;
  readonly expected: Expected;
  readonly got: Verdict;
  readonly detail: string;
  readonly reason: string;
}

/** The reason a disagreement gets, by what our first error says (each category explained once). */
export const REASONS: readonly [RegExp, string][] = [
  [/context offset 0 is read-only/, "ours is stricter: the .text function, verified alone as a program, stores through its first argument, which is then the __sk_buff context, whose len (offset 0) is read-only; PREVAIL checks no context field's writability"],
  [/reads up to \d+ bytes at r\d: reads stack byte/, "imprecision: paths that pass the helper buffers of different lengths meet before the call, and the longest length is then checked against the bytes all of them wrote (cilium/bpf_lxc.o 2/10: 24 or 32 bytes to bpf_perf_event_output); PREVAIL keeps each path's length with its bytes"],
  [/reads stack byte r10-\d+, which is not initialized/, "imprecision: a stack slot written before the paths of Cilium's large tail-call programs split is not known initialized where they meet again (our join of the stack is per byte and path-insensitive); PREVAIL keeps it"],
  [/different types on different paths \(map value or scalar\)/, "imprecision: after too many paths meet, a register that is a map value on some and null (0) on others is joined into a mixed value; PREVAIL keeps the type per path"],
  [/is outside its \d+ bytes/, "imprecision: the offset into the map value is bounded by a relation our zone loses where paths are joined (an offset range of 1..33 against a 6- or 18-byte value); PREVAIL keeps the bound"],
  [/32-bit arithmetic on a packet pointer/, "ours is stricter: 32-bit arithmetic on a packet pointer truncates the pointer; the kernel refuses 32-bit pointer arithmetic too, PREVAIL accepts it here"],
  [/only numbers can be stored outside the stack/, "ours is stricter: the program stores a stack pointer into a map value, which leaks a kernel address; PREVAIL allows it (the kernel only for privileged programs)"],
  [/comparing a map with the number 0/, "ours is stricter: the program compares a map pointer (never null) with 0; ours refuses comparisons of maps with numbers, PREVAIL decides them"],
  [/\(helper \d+\): calls to it cannot be verified: it takes or returns a socket pointer/, "Linux helper without a model: the program looks a socket up (bpf_skc_lookup_tcp/bpf_sk_lookup_*); socket pointers, which the kernel reference-tracks, are not modelled, so the call is refused"],
  [/it takes or returns a socket pointer/, "not modelled: the program calls a socket lookup helper (bpf_skc_lookup_tcp, bpf_sk_lookup_*), whose socket pointers need reference tracking (every socket acquired released on every path); ours refuses the call rather than verify it halfway, PREVAIL treats the socket as a plain value"],
  [/outside string table \.shstrtab/, "loader: a section's name lies outside the section-name table (a fuzzed file); our ELF reader refuses the file, PREVAIL's reads the section anyway"],
];

/** The reason for a disagreement, or undefined when no category explains it. */
export function reasonFor(r: CorpusResult): string | undefined {
  return REASONS.find(([pattern]) => pattern.test(r.detail))?.[1];
}
