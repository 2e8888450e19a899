import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Btf } from '../../src/btf/btf.ts';
import { formatValue } from '../../src/btf/value.ts';
import { openObjectFile } from '../../src/object/index.ts';
import { compileTestProgram } from '../support/compile.ts';
import { repoRoot } from '../support/paths.ts';
import { intData, KIND, RawBtf } from './raw-btf.ts';

const object = await openObjectFile(await compileTestProgram(join(repoRoot, 'test', 'btf', 'testdata', 'values.c')));
const btf = object.btf!;
const map = object.maps.find((m) => m.name === 'records')!;

/** Byte offset of a member of the record, from BTF (so the test does not restate clang's layout). */
function memberOffset(btf: Btf, name: string): number {
  const t = btf.resolve(map.valueTypeId!);
  assert.ok(t?.kind === 'STRUCT');
  const member = t.members.find((m) => m.name === name)!;
  return member.bitOffset / 8;
}

function recordBytes(): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(map.valueSize);
  return { bytes, view: new DataView(bytes.buffer) };
}

test('a struct value decodes field by field: text, UTF-16 text, big and negative numbers, enum, bytes, nested struct', () => {
  const { bytes, view } = recordBytes();
  view.setUint32(memberOffset(btf, 'id'), 4242, true);
  bytes.set(new TextEncoder().encode('node.exe'), memberOffset(btf, 'name'));
  [...'app.js'].forEach((c, i) => view.setUint16(memberOffset(btf, 'wide') + 2 * i, c.charCodeAt(0), true));
  view.setInt32(memberOffset(btf, 'delta'), -7, true);
  view.setBigUint64(memberOffset(btf, 'big'), 2n ** 63n + 5n, true);
  view.setUint32(memberOffset(btf, 'color'), 2, true);
  bytes.set([10, 0, 0, 1], memberOffset(btf, 'address'));
  view.setUint16(memberOffset(btf, 'endpoint'), 8080, true);
  view.setUint16(memberOffset(btf, 'endpoint') + 2, 2, true);
  const value = formatValue(btf, map.valueTypeId!, bytes) as Record<string, unknown>;
  assert.deepEqual(
    [value.id, value.name, value.wide, value.delta, value.big, value.color, value.address, value.endpoint],
    [4242, 'node.exe', 'app.js', -7, '9223372036854775813', 'GREEN', [10, 0, 0, 1], { port: 8080, family: 2 }],
  );
});

test('a char array holding UTF-16LE text (a Windows app id) decodes as that text', () => {
  const { bytes } = recordBytes();
  bytes.set(new Uint8Array(Buffer.from('node.exe', 'utf16le')).subarray(0, 16), memberOffset(btf, 'name'));
  assert.equal((formatValue(btf, map.valueTypeId!, bytes) as Record<string, unknown>).name, 'node.exe');
});

test('bitfields decode with their widths, signed ones sign-extended, and a bool as true/false', () => {
  const t = btf.resolve(map.valueTypeId!);
  assert.ok(t?.kind === 'STRUCT');
  const low = t.members.find((m) => m.name === 'low')!;
  const signed = t.members.find((m) => m.name === 'signed_bits')!;
  const { bytes, view } = recordBytes();
  const word = Math.floor(low.bitOffset / 32) * 4;
  view.setUint32(word, (5 << (low.bitOffset % 32)) | (0b11110 << (signed.bitOffset % 32)), true);
  bytes[memberOffset(btf, 'flag')] = 1;
  const value = formatValue(btf, map.valueTypeId!, bytes) as Record<string, unknown>;
  assert.deepEqual([value.low, value.signed_bits, value.flag], [5, -2, true]);
});

test('bytes shorter than the type give undefined, not a partial value', () => {
  assert.equal(formatValue(btf, map.valueTypeId!, new Uint8Array(map.valueSize - 1)), undefined);
});

test('an integer key decodes as a number', () => {
  assert.equal(formatValue(btf, map.keyTypeId!, new Uint8Array([0x92, 0x10, 0, 0])), 4242);
});

test('a struct nesting itself many times over is refused (undefined) instead of expanding without end', () => {
  // [2] STRUCT 's' size 4 with eight members of type [2] at offset 0: 8^32 paths if followed.
  const raw = new RawBtf();
  raw.type(KIND.INT, 'int', 0, 4, [intData(32, 1)]);
  const members = Array.from({ length: 8 }, (_, i) => [raw.name(`m${i}`), 2, 0]).flat();
  raw.type(KIND.STRUCT, 's', 8, 4, members);
  const hostile = Btf.parse(raw.build());
  const started = performance.now();
  assert.equal(formatValue(hostile, 2, new Uint8Array(4)), undefined);
  assert.ok(performance.now() - started < 1000);
});

test('an array of four billion empty structs is refused (undefined), not allocated', () => {
  const raw = new RawBtf();
  raw.type(KIND.INT, 'int', 0, 4, [intData(32, 1)]);
  raw.type(KIND.STRUCT, 'empty', 0, 0);
  raw.type(KIND.ARRAY, '', 0, 0, [2, 1, 0xffffffff]);
  assert.equal(formatValue(Btf.parse(raw.build()), 3, new Uint8Array(0)), undefined);
});

test('a member placed past the bytes of its struct decodes as null', () => {
  const raw = new RawBtf();
  raw.type(KIND.INT, 'int', 0, 4, [intData(32, 1)]);
  raw.type(KIND.STRUCT, 's', 2, 4, [raw.name('inside'), 1, 0, raw.name('outside'), 1, 800]);
  assert.deepEqual(formatValue(Btf.parse(raw.build()), 2, new Uint8Array([1, 0, 0, 0])), { inside: 1, outside: null });
});
