// How online commands reach the service: one socket client per command run, and the translation of the
// API's errors into what the user sees.

import { ApiError, socketApi, type EbpfApi } from '../../client/index.ts';
import { CliError, type CliIo } from '../io.ts';

/** Runs `body` with a client of the service for this environment, closing it afterwards. */
export async function withService<T>(io: CliIo, body: (api: EbpfApi) => Promise<T>): Promise<T> {
  const api = socketApi(io.env, { clientName: 'ebpf' });
  try {
    return await body(api);
  } finally {
    await api.close();
  }
}

/** An API error as a CLI error (`error: message`), keeping the service-not-running advice. */
export function cliErrorOf(error: unknown): unknown {
  if (error instanceof ApiError) return new CliError(`error: ${error.message}`, error.code, 1);
  return error;
}

/** Prints `value` as one line of JSON. */
export function printJson(io: CliIo, value: unknown): void {
  io.out(`${JSON.stringify(value)}\n`);
}
