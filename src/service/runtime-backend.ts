// The runtime the service hosts (src/runtime's Runtime), adapted to what the service needs (backend.ts):
// its errors become API errors with the numbers netsh prints (`error 2: could not open file`,
// `error 22: could not load program` followed by the reason).
// UNFINISHED, as the runtime is: it loads no program until the verifier lands (every load is refused
// with the reason, nothing left behind), so test runs have nothing to run, and the load options the
// service passes (`type=`, `execution=`, maps to reuse on restore) wait for Runtime.loadObject to take them.

import { existsSync } from 'node:fs';
import { ApiError } from '../client/api.ts';
import { Runtime, RuntimeError } from '../runtime/runtime.ts';
import type { RuntimeBackend } from './backend.ts';

const ENOENT = 2;
const EINVAL = 22;

function apiErrorOf(error: unknown, path: string): unknown {
  if (!(error instanceof RuntimeError)) return error;
  if (error.code === 'OPEN_FAILED') return new ApiError('OPEN_FAILED', error.message, { errno: existsSync(path) ? EINVAL : ENOENT });
  if (error.code === 'LOAD_FAILED' || error.code === 'NOT_VERIFIED') return new ApiError('LOAD_FAILED', error.message, { errno: EINVAL, detail: error.message });
  return error;
}

/** The service's backend over a Runtime (a new one unless given). */
export async function createRuntimeBackend(runtime: Runtime = new Runtime()): Promise<RuntimeBackend> {
  return {
    async loadObject(path) {
      try {
        return await runtime.loadObject(path);
      } catch (error) {
        throw apiErrorOf(error, path);
      }
    },
    programs: () => runtime.programs(),
    maps: () => runtime.maps(),
    retain: (id) => runtime.retain(id),
    release: (id) => runtime.release(id),
    createMap: (spec) => runtime.createMap(spec),
    lookup: (id, key) => runtime.lookup(id, key),
    update: (id, key, value, flags) => runtime.update(id, key, value, flags),
    delete: (id, key) => runtime.delete(id, key),
    entries: (id, limit) => runtime.entries(id, limit),
    decode: (id, part, bytes) => runtime.decode(id, part, bytes),
    async testRun(programId) {
      throw new ApiError('NOT_SUPPORTED', `program ${programId}: the runtime has no test runs yet`);
    },
    programTypeOfAttachType: (attachType) => runtime.programTypeOfAttachType(attachType),
    newId: () => runtime.newId(),
    onTrace: (listener) => runtime.onTrace(listener),
  };
}
