// The page's live state as signals: the service's programs, maps, links and pins, kept current by the
// event stream (each event names what changed; the lists it touches are fetched again, coalesced so a
// burst of events costs one fetch per list), the trace log, the platform description and the route.

import { batch, signal } from '@preact/signals';
import type { LinkInfo, MapInfo, PinInfo, ProgramInfo, ServiceEvent } from '../../client/api.ts';
import { call, followEvents, studio } from './api.ts';

/** The platform as /studio/platform describes it. */
export interface PlatformInfo {
  programTypes: { name: string; contextSize: number; fields: { name: string; offset: number; size: number; writable: boolean; pointer?: string }[]; dataOffset: number; dataEndOffset: number; returnRange: [number, number] | null }[];
  mapTypes: { name: string; perCpu: boolean; isArray: boolean; keyless: boolean; valueKind: string }[];
  attachTypes: { name: string; programType: string }[];
  /** CPUs the service's per-CPU maps keep values for. */
  cpuCount: number;
}

export const programs = signal<ProgramInfo[]>([]);
export const maps = signal<MapInfo[]>([]);
export const links = signal<LinkInfo[]>([]);
export const pins = signal<PinInfo[]>([]);
export const platform = signal<PlatformInfo | undefined>(undefined);
export const connected = signal(false);
export const traceLines = signal<{ seq: number; programId: number; text: string; at: number }[]>([]);
export const lastError = signal<string | undefined>(undefined);
/** Incremented for every map-updated event of a map, so views showing it fetch again. */
export const mapVersions = signal<ReadonlyMap<number, number>>(new Map());

type ListName = 'programs' | 'maps' | 'links' | 'pins';
const pending = new Set<ListName>();
let scheduled = false;
const TRACE_KEEP = 5000;

async function fetchLists(names: ListName[]): Promise<void> {
  const [p, m, l, n] = await Promise.all([
    names.includes('programs') ? call('programs.list', {}) : undefined,
    names.includes('maps') ? call('maps.list', {}) : undefined,
    names.includes('links') ? call('links.list', {}) : undefined,
    names.includes('pins') ? call('pins.list', {}) : undefined,
  ]);
  batch(() => {
    if (p) programs.value = p;
    if (m) maps.value = m;
    if (l) links.value = l;
    if (n) pins.value = n;
  });
}

/** Fetches the named lists again soon (once per burst of requests). */
export function refresh(...names: ListName[]): void {
  for (const name of names) pending.add(name);
  if (scheduled) return;
  scheduled = true;
  setTimeout(() => {
    scheduled = false;
    const names = [...pending];
    pending.clear();
    fetchLists(names).catch((error: Error) => (lastError.value = error.message));
  }, 30);
}

function onEvent(event: ServiceEvent): void {
  switch (event.type) {
    case 'object-loaded':
    case 'object-unloaded':
      return refresh('programs', 'maps', 'links', 'pins');
    case 'map-created':
    case 'map-deleted':
      return refresh('maps');
    case 'map-updated': {
      const next = new Map(mapVersions.value);
      next.set(event.mapId, (next.get(event.mapId) ?? 0) + 1);
      mapVersions.value = next;
      // Runs change the programs' run counts.
      if (event.operation === 'run') refresh('programs');
      return;
    }
    case 'link-attached':
    case 'link-detached':
      return refresh('programs', 'links');
    case 'pinned':
    case 'unpinned':
      return refresh('programs', 'maps', 'pins');
    case 'trace': {
      const lines = traceLines.value;
      const seq = (lines[lines.length - 1]?.seq ?? 0) + 1;
      const next = [...lines, { seq, programId: event.programId, text: event.text, at: Date.now() }];
      traceLines.value = next.length > TRACE_KEEP ? next.slice(next.length - TRACE_KEEP) : next;
    }
  }
}

/** Starts following the service: the platform, every list, the trace kept so far, then the events. */
export async function start(): Promise<void> {
  followEvents(onEvent, (up) => {
    connected.value = up;
    // After a reconnect anything may have changed.
    if (up) refresh('programs', 'maps', 'links', 'pins');
  });
  const [info, trace] = await Promise.all([studio<PlatformInfo>('platform'), call('trace.read', {}), fetchLists(['programs', 'maps', 'links', 'pins'])]);
  platform.value = info;
  // The service keeps no time for the lines printed before the page opened (0: shown as earlier).
  traceLines.value = trace.lines.map((l) => ({ ...l, at: 0 }));
}

/** Runs an action, reporting its error on the page instead of throwing. */
export async function attempt<T>(action: () => Promise<T>): Promise<T | undefined> {
  try {
    lastError.value = undefined;
    return await action();
  } catch (error) {
    lastError.value = (error as Error).message;
    return undefined;
  }
}
