// The BTF encoder against the decoder: for every BTF-typed map key and value of the corpus and of the
// project's examples, random bytes decoded, encoded back and decoded again give the same value; and the
// encoder's refusals name the part of the value that is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Btf } from '../../src/btf/btf.ts';
import { BtfEncodeError, encodeValue } from '../../src/btf/encode.ts';
import { formatValue } from '../../src/btf/value.ts';
import { openObjectFile } from '../../src/object/index.ts';
import { seededRandom } from '../../src/object/mutate.ts';
import { compileTestProgram } from '../support/compile.ts';
import { corpusObjects, repoRoot } from '../support/paths.ts';

test('decode, encode, decode again gives the same value for every BTF-typed map of the corpus and the examples', async (t) => {
  const random = seededRandom(0xb7f);
  const examples = readdirSync(join(repoRoot, 'examples')).filter((f) => f.endsWith('.c')).map((f) => join(repoRoot, 'examples', f));
  const objects = [...corpusObjects(), ...(await Promise.all(examples.map((f) => compileTestProgram(f))))];
  let types = 0;
  let values = 0;
  for (const path of objects) {
    const object = await openObjectFile(path);
    const btf: Btf | undefined = object.btf;
    if (!btf) continue;
    for (const map of object.maps) {
      for (const typeId of [map.keyTypeId, map.valueTypeId]) {
        if (typeId === undefined) continue;
        types++;
        const size = btf.size(typeId);
        for (let i = 0; i < 8; i++) {
          // Printable bytes: char arrays then read as whole UTF-8 text, which the encoder writes back as it was.
          const bytes = Uint8Array.from({ length: size }, () => 0x21 + Math.floor(random() * 0x5e));
          const decoded = formatValue(btf, typeId, bytes);
          if (decoded === undefined) continue;
          const again = formatValue(btf, typeId, encodeValue(btf, typeId, decoded));
          assert.deepEqual(again, decoded, `${path} map ${map.name} type ${typeId}`);
          values++;
        }
      }
    }
  }
  t.diagnostic(`${values} values of ${types} key and value types round-tripped`);
  assert.ok(types > 100, `only ${types} types`);
});

test('the encoder refuses what does not fit, naming the part', async () => {
  const object = await openObjectFile(await compileTestProgram(join(repoRoot, 'examples', 'TraceConnections.c')));
  const map = object.maps.find((m) => m.name === 'proc_map')!;
  const btf = object.btf!;
  const refused = (value: Parameters<typeof encodeValue>[2], message: string) =>
    assert.throws(() => encodeValue(btf, map.valueTypeId!, value), (e: unknown) => e instanceof BtfEncodeError && e.message === message);
  assert.deepEqual(formatValue(btf, map.valueTypeId!, encodeValue(btf, map.valueTypeId!, { id: 7, name: 'node', count: '3' })), { id: 7, name: 'node', count: 3 });
  refused({ id: 7, nam: 'x' }, 'value.nam: struct _process_info has no field nam (it has id, name, count)');
  refused({ id: 2 ** 32 }, 'value.id: 4294967296 does not fit uint32_t (0 to 4294967295)');
  refused({ id: 1.5 }, 'value.id: 1.5 is not an integer (uint32_t)');
  refused({ name: 'n'.repeat(33) }, 'value.name: text of 33 bytes does not fit 32 chars');
  refused({ name: 42 }, 'value.name: 42 is not text or a list (an array of 32)');
  refused('hello', 'value: "hello" is not an object with the fields of struct _process_info');
  refused(new Uint8Array(3), 'value: 3 bytes given for a 40-byte struct');
});
