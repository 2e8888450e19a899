// The runtime the service hosts (src/runtime's Runtime), adapted to what the service needs (backend.ts):
// loads verify every program and prepare it for its engine (`execution=jit|interpret`), test runs go
// through Runtime.testRun (tail calls included), and the runtime's errors become API errors with the
// numbers netsh prints (`error 2: could not open file`, `error 22: could not load program` followed by
// the reason, the verifier's first error with its pc and source line).

import { existsSync } from 'node:fs';
import { Btf } from '../btf/btf.ts';
import { ApiError } from '../client/api.ts';
import { PerfEventArrayMap, RingBufferMap } from '../runtime/maps/index.ts';
import { Runtime, RuntimeError } from '../runtime/runtime.ts';
import type { RuntimeBackend } from './backend.ts';

const ENOENT = 2;
const EINVAL = 22;
const ERROR_INVALID_PARAMETER = 87;

function apiErrorOf(error: unknown, source: string | Uint8Array): unknown {
  if (!(error instanceof RuntimeError)) return error;
  if (error.code === 'OPEN_FAILED') return new ApiError('OPEN_FAILED', error.message, { errno: typeof source !== 'string' || existsSync(source) ? EINVAL : ENOENT });
  if (error.code === 'LOAD_FAILED' || error.code === 'NOT_VERIFIED' || error.code === 'INVALID_ARGUMENT') return new ApiError('LOAD_FAILED', error.message, { errno: EINVAL, detail: error.message });
  return error;
}

function testRunErrorOf(error: unknown): unknown {
  if (!(error instanceof RuntimeError)) return error;
  if (error.code === 'NOT_FOUND') return new ApiError('NOT_FOUND', error.message, { errno: ERROR_INVALID_PARAMETER });
  return new ApiError(error.code === 'RUN_FAILED' ? 'RUN_FAILED' : 'INVALID_ARGUMENT', error.message, { errno: EINVAL });
}

/** The service's backend over a Runtime (a new one unless given). */
export async function createRuntimeBackend(runtime: Runtime = new Runtime()): Promise<RuntimeBackend> {
  return {
    async loadObject(source, options) {
      try {
        // A `.wasm` file is a native module whatever its bytes are (its loader says what is wrong with it).
        const load = typeof source !== 'string' && options.name?.endsWith('.wasm') ? runtime.loadNative.bind(runtime) : runtime.loadObject.bind(runtime);
        return await load(source, {
          execution: options.execution,
          ...(options.name === undefined ? {} : { name: options.name }),
          ...(options.type === undefined ? {} : { programType: options.type }),
          ...(options.reuseMaps ? { reuseMaps: options.reuseMaps } : {}),
          ...(options.pinnedMap ? { pinnedMap: options.pinnedMap } : {}),
        });
      } catch (error) {
        throw apiErrorOf(error, source);
      }
    },
    programs: () => runtime.programs(),
    maps: () => runtime.maps(),
    retain: (id) => runtime.retain(id),
    release: (id) => runtime.release(id),
    createMap(spec) {
      const { btf: section, keyTypeId, valueTypeId, ...shape } = spec;
      if (section === undefined) return runtime.createMap(shape);
      let btf: Btf;
      try {
        btf = Btf.parse(section);
      } catch (error) {
        throw new ApiError('INVALID_ARGUMENT', `map ${spec.name}: its BTF does not parse: ${(error as Error).message}`);
      }
      for (const [part, id] of [['key', keyTypeId], ['value', valueTypeId]] as const) {
        if (id !== undefined && (!Number.isInteger(id) || id < 1 || id >= btf.types.length)) throw new ApiError('INVALID_ARGUMENT', `map ${spec.name}: ${part} type id ${id} is not in its BTF (${btf.types.length - 1} types)`);
      }
      return runtime.createMap({ ...shape, btf, ...(keyTypeId !== undefined ? { keyTypeId } : {}), ...(valueTypeId !== undefined ? { valueTypeId } : {}) });
    },
    mapBtf(id) {
      const found = runtime.mapBtf(id);
      return found && { ...found, btf: found.btf.bytes };
    },
    lookup: (id, key) => runtime.lookup(id, key),
    update: (id, key, value, flags) => runtime.update(id, key, value, flags),
    delete: (id, key) => runtime.delete(id, key),
    entries: (id, limit) => runtime.entries(id, limit),
    consume(id) {
      const map = runtime.map(id);
      if (map instanceof RingBufferMap) return map.consume().map((record) => ({ record }));
      if (map instanceof PerfEventArrayMap) return map.consume();
      throw new ApiError('NOT_SUPPORTED', `map ${id} (${map.name}) is not a ring buffer or perf event array: its entries are read, not consumed`);
    },
    decode: (id, part, bytes) => runtime.decode(id, part, bytes),
    async testRun(programId, input) {
      try {
        // An empty context is no context (zeros of the program type's size), as bpf_prog_test_run_opts takes it.
        const { contextIn, dataIn, repeat } = input;
        return runtime.testRun(programId, { dataIn, repeat, ...(contextIn.length > 0 ? { contextIn } : {}) });
      } catch (error) {
        throw testRunErrorOf(error);
      }
    },
    programTypeOfAttachType: (attachType) => runtime.programTypeOfAttachType(attachType),
    newId: () => runtime.newId(),
    onTrace: (listener) => runtime.onTrace(listener),
  };
}
