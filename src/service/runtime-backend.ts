// The runtime the service hosts, adapted to what the service needs (backend.ts).
// UNFINISHED: the runtime (src/runtime, issue 5) has not landed in this tree yet, so there is nothing to
// adapt; `ebpf service start` says so instead of starting a service that cannot load anything.

import { ApiError } from '../client/api.ts';
import type { RuntimeBackend } from './backend.ts';

/** Creates the runtime for a service process. */
export async function createRuntimeBackend(): Promise<RuntimeBackend> {
  throw new ApiError('NO_RUNTIME', 'the runtime (src/runtime) is not part of this build yet: the service has nothing to host');
}
