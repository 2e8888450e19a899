import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { openObject } from '../../src/object/index.ts';
import { fuzzOutcome } from '../../src/object/fuzz-target.ts';
import { mutate, MUTATIONS, seededRandom } from '../../src/object/mutate.ts';
import { corpusObjects, filesUnder, sharedData } from '../support/paths.ts';

/** Opens bytes and says how it went: opened, or refused with a typed error naming a place (anything else fails). */
function outcome(bytes: Uint8Array, what: string): 'opened' | 'refused' {
  let result;
  try {
    result = fuzzOutcome(bytes);
  } catch (error) {
    throw new Error(`${what}: untyped ${(error as Error).name}: ${(error as Error).message}`);
  }
  if (result.kind === 'refused') assert.match(result.message, /\((section [^)]*|offset 0x[0-9a-f]+)\)$/, `${what}: the error should name a section or an offset: ${result.message}`);
  return result.kind;
}

/**
 * ebpf-samples/invalid holds files that some tool refused. Those whose object structure is broken must be
 * refused by the loader; three are well-formed objects whose programs are the verifier's to judge.
 */
const WELL_FORMED_INVALID: Record<string, string> = {
  dac31099c3bb5b6395908c82cc8540e77a6a1849: 'a well-formed object; PREVAIL rejects its program as unsafe',
  ef2e42c0bfcf4dab6b9c3926759365b6dfa73634: 'a valid program (PREVAIL passes it) whose debug line section is renamed `info`',
  'timeout-29db93548c671165313b314d4f83a3eefa24df37': 'a well-formed chain of 36 tail-calling programs; PREVAIL times out on it',
};

test('every structurally broken file in ebpf-samples/invalid is refused with a typed error naming the section or offset', (t) => {
  const files = filesUnder(join(sharedData, 'ebpf-samples', 'invalid'), () => true);
  assert.ok(files.length >= 10, `expected the invalid/ corpus, found ${files.length} files`);
  const results = Object.fromEntries(files.map((f) => [basename(f), outcome(new Uint8Array(readFileSync(f)), f)]));
  const expected = Object.fromEntries(files.map((f) => [basename(f), basename(f) in WELL_FORMED_INVALID ? 'opened' : 'refused']));
  assert.deepEqual(results, expected);
  t.diagnostic(`${Object.values(results).filter((r) => r === 'refused').length} of ${files.length} refused, ${Object.keys(WELL_FORMED_INVALID).length} left to the verifier`);
});

test('garbage, empty files and non-BPF ELF files are refused with a clear error', () => {
  assert.throws(() => openObject(new Uint8Array(0)), /too short for an ELF header/);
  assert.throws(() => openObject(new TextEncoder().encode('#!/bin/sh\necho not an object\n'.repeat(4))), /not an ELF file/);
  const x86 = new Uint8Array(readFileSync(process.execPath).subarray(0, 4096));
  assert.throws(() => openObject(x86), /ELF machine is 62, not BPF|not a 64-bit/);
});

test('3,000 mutated real objects each open (and print and decode) or give a typed error, each within a second', (t) => {
  const sources = corpusObjects().filter((_, i) => i % 8 === 0).map((f) => new Uint8Array(readFileSync(f)));
  const random = seededRandom(0x5eed);
  const counts = { opened: 0, refused: 0 };
  const kinds = new Map<string, number>();
  let slowest = 0;
  for (let i = 0; i < 3000; i++) {
    const source = sources[i % sources.length]!;
    const { kind, bytes } = mutate(source, random);
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    const started = performance.now();
    counts[outcome(bytes, `mutation ${i} (${kind})`)]++;
    slowest = Math.max(slowest, performance.now() - started);
  }
  t.diagnostic(`opened ${counts.opened}, refused ${counts.refused}, slowest ${slowest.toFixed(1)} ms; ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  assert.deepEqual([...kinds.keys()].sort(), Object.keys(MUTATIONS).sort(), 'every mutation kind ran');
  assert.ok(counts.refused > 600, `only ${counts.refused} mutations were refused`);
  assert.ok(slowest < 1000, `the slowest mutated file took ${slowest.toFixed(0)} ms`);
});
