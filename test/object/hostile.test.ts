import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openObject } from '../../src/object/index.ts';
import { mutate, seededRandom } from '../../src/object/mutate.ts';
import { corpusObjects, filesUnder, sharedData } from '../support/paths.ts';

const TYPED = new Set(['ELF_INVALID', 'BTF_INVALID', 'OBJECT_INVALID', 'INSTRUCTION_BYTES']);

/** Opens bytes and says how it went: opened, or refused with a typed error (anything else fails the test). */
function outcome(bytes: Uint8Array, what: string): 'opened' | 'refused' {
  try {
    openObject(bytes, { name: what });
    return 'opened';
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && TYPED.has(code)) {
      assert.match((error as Error).message, /section|offset/, `${what}: the error should name a section or an offset: ${(error as Error).message}`);
      return 'refused';
    }
    throw new Error(`${what}: untyped ${(error as Error).name}: ${(error as Error).message}`);
  }
}

test('every file in ebpf-samples/invalid is refused with a typed error naming the section or offset, or opens cleanly', () => {
  const files = filesUnder(join(sharedData, 'ebpf-samples', 'invalid'), () => true);
  assert.ok(files.length >= 10);
  const results = files.map((f) => outcome(new Uint8Array(readFileSync(f)), f));
  assert.ok(results.includes('refused'));
});

test('garbage, empty files and non-BPF ELF files are refused with a clear error', () => {
  assert.throws(() => openObject(new Uint8Array(0)), /too short for an ELF header/);
  assert.throws(() => openObject(new TextEncoder().encode('#!/bin/sh\necho not an object\n'.repeat(4))), /not an ELF file/);
  const x86 = new Uint8Array(readFileSync(process.execPath).subarray(0, 4096));
  assert.throws(() => openObject(x86), /ELF machine is 62, not BPF|not a 64-bit/);
});

test('thousands of mutated real objects either open or give a typed error, each within a second', () => {
  const sources = corpusObjects().filter((_, i) => i % 8 === 0).map((f) => new Uint8Array(readFileSync(f)));
  const random = seededRandom(0x5eed);
  const counts = { opened: 0, refused: 0 };
  let slowest = 0;
  for (let i = 0; i < 2500; i++) {
    const source = sources[i % sources.length]!;
    const { kind, bytes } = mutate(source, random);
    const started = performance.now();
    counts[outcome(bytes, `mutation ${i} (${kind})`)]++;
    slowest = Math.max(slowest, performance.now() - started);
  }
  assert.ok(counts.refused > 500, `only ${counts.refused} mutations were refused`);
  assert.ok(slowest < 1000, `the slowest mutated file took ${slowest.toFixed(0)} ms`);
});
