// The JIT and the interpreter agree on every runtime test program that loads: the same return values,
// data, contexts and map contents over random inputs (some runs repeated), each object loaded (verified)
// once per mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../../src/object/mutate.ts';
import { PerfEventArrayMap, QueueMap, RingBufferMap } from '../../src/runtime/maps/index.ts';
import { Runtime, RuntimeError } from '../../src/runtime/runtime.ts';
import { compileTestProgram } from '../support/compile.ts';
import { programsDir } from './support.ts';

// Their results depend on the moment or on chance, not on the engine.
const NONDETERMINISTIC = new Set(['helpers_random_cpu.c', 'helpers_clocks.c']);
const ROUNDS = 150;

function contents(runtime: Runtime): unknown[] {
  return runtime.maps().map((info) => {
    const map = runtime.map(info.id);
    if (map instanceof PerfEventArrayMap) return [info.name, map.consume().map((r) => [r.cpu, [...r.record]])];
    if (map instanceof RingBufferMap) return [info.name, map.consume().map((r) => [...r])];
    if (map instanceof QueueMap) {
      const items: number[][] = [];
      while (map.size > 0) items.push([...map.pop()]);
      return [info.name, items];
    }
    return [info.name, runtime.entries(info.id, 100_000).map((e) => [[...e.key], [...e.value]])];
  });
}

test('the JIT and the interpreter agree on every runtime test program, maps included', async () => {
  const random = seededRandom(0x5eed);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
  let compared = 0;
  for (const file of readdirSync(programsDir).filter((f) => f.endsWith('.c') && !NONDETERMINISTIC.has(f))) {
    const path = await compileTestProgram(join(programsDir, file));
    const runtimes = { jit: new Runtime({ cpuCount: 2 }), interpret: new Runtime({ cpuCount: 2 }) };
    try {
      for (const [execution, runtime] of Object.entries(runtimes)) await runtime.loadObject(path, { execution: execution as 'jit' | 'interpret' });
    } catch (error) {
      if (error instanceof RuntimeError && error.code === 'NOT_VERIFIED') continue; // rejected programs are covered where they are expected
      throw error;
    }
    for (const program of runtimes.jit.programs()) {
      const type = runtimes.jit.platform.programTypeByName(program.type)!;
      for (let round = 0; round < ROUNDS; round++) {
        const contextIn = bytes(type.contextSize);
        if (random() < 0.8) contextIn.fill(0, 20, 24); // small operation selectors (sample's uint16_data) are likelier
        // Some runs repeat: the JIT loops inside wasm (programs without tail calls), the interpreter in JS.
        const repeat = random() < 0.25 ? 2 + Math.floor(random() * 3) : 1;
        const input = { contextIn, cpu: Math.floor(random() * 2), repeat, ...(type.dataOffset >= 0 ? { dataIn: bytes(Math.floor(random() * 48)) } : {}) };
        const run = (runtime: Runtime) => {
          try {
            const r = runtime.testRun(program.id, input);
            return [r.returnValue, [...r.dataOut], [...r.contextOut]];
          } catch (error) {
            return [(error as Error).message];
          }
        };
        assert.deepEqual(run(runtimes.interpret), run(runtimes.jit), `${file} ${program.name} round ${round}`);
        compared++;
      }
    }
    assert.deepEqual(contents(runtimes.interpret), contents(runtimes.jit), `${file}: maps`);
  }
  assert.ok(compared >= 20 * ROUNDS, `compared only ${compared} runs`);
});
