// How the page talks to the service: the token from the page's own address goes with every request
// (a bearer header for calls, the query for the event stream, which cannot set headers).

import type { ApiCallName, ApiCalls, ServiceEvent } from '../../client/api.ts';

const token = new URLSearchParams(location.search).get('token') ?? '';

/** An error the service reported, with its code. */
export class ServiceError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

async function reply<T>(response: Response): Promise<T> {
  let body: { ok?: boolean; result?: unknown; error?: { code: string; message: string; detail?: string } };
  try {
    body = await response.json();
  } catch {
    throw new ServiceError('BAD_REPLY', `the service answered ${response.status} without JSON`);
  }
  if (!body.ok) {
    const e = body.error ?? { code: 'BAD_REPLY', message: 'error without details' };
    throw new ServiceError(e.code, e.detail && !e.message.includes(e.detail) ? `${e.message}\n${e.detail}` : e.message);
  }
  return body.result as T;
}

/** One API call. */
export async function call<N extends ApiCallName>(name: N, params: ApiCalls[N][0]): Promise<ApiCalls[N][1]> {
  const response = await fetch('/v1/call', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ call: name, params }) });
  return reply(response);
}

/** A Studio route (`/studio/...`), GET or with a binary body. */
export async function studio<T>(path: string, body?: ArrayBuffer): Promise<T> {
  const response = await fetch(`/studio/${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/octet-stream' } : {}) },
    ...(body ? { body } : {}),
  });
  return reply(response);
}

/** Follows the event stream; `onState` hears whether it is connected (EventSource reconnects by itself). */
export function followEvents(onEvent: (event: ServiceEvent) => void, onState: (connected: boolean) => void): () => void {
  const source = new EventSource(`/v1/events?token=${encodeURIComponent(token)}`);
  source.onopen = () => onState(true);
  source.onerror = () => onState(false);
  const listener = (message: MessageEvent<string>) => onEvent(JSON.parse(message.data) as ServiceEvent);
  for (const type of ['object-loaded', 'object-unloaded', 'map-updated', 'map-created', 'map-deleted', 'link-attached', 'link-detached', 'pinned', 'unpinned', 'trace']) {
    source.addEventListener(type, listener as EventListener);
  }
  return () => source.close();
}
