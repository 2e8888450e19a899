// Ring buffer and perf event array records as live streams for the page. Nothing else reads these maps
// through the service, so the Studio is their user-side reader: while a page follows one, every read
// consumes the records the programs wrote since the last (freeing the ring for more, as a consumer
// does) into a log kept here per map, numbered from 1. Pages ask for the records after the last number
// they have, so any number of pages see the same stream; the log keeps the newest KEEP records.

import { ApiError } from '../client/api.ts';
import type { ServiceHost } from '../service/host.ts';

/** One record of a stream: its number, its CPU (perf event arrays) and its bytes in hex. */
export interface StreamRecord {
  readonly seq: number;
  readonly cpu?: number;
  readonly data: string;
}

/** What a read returns: the records after `after`, the number of the last one, and the oldest still kept. */
export interface StreamRead {
  readonly records: StreamRecord[];
  /** Number of the newest record (0 before any). */
  readonly last: number;
  /** Number of the oldest record kept: records before it (after `after`) were dropped from the log. */
  readonly oldest: number;
}

/** Records kept per map. */
export const STREAM_KEEP = 10_000;
const STREAM_TYPES = new Set(['ringbuf', 'perf_event_array']);

interface Log {
  records: StreamRecord[];
  last: number;
}

/** The streams of one service's ring buffers and perf event arrays. */
export class RecordStreams {
  private readonly logs = new Map<number, Log>();

  constructor(private readonly host: ServiceHost) {}

  /** Consumes what map `mapId` holds now and returns the records numbered after `after`. */
  read(mapId: number, after: number): StreamRead {
    const maps = this.host.mapList();
    for (const id of this.logs.keys()) if (!maps.some((m) => m.id === id)) this.logs.delete(id); // maps gone
    const map = maps.find((m) => m.id === mapId);
    if (!map) throw new ApiError('NOT_FOUND', `no map with id ${mapId}`);
    if (!STREAM_TYPES.has(map.type)) throw new ApiError('BAD_REQUEST', `map ${mapId} (${map.name}) is a ${map.type}: only ring buffers and perf event arrays stream records`);
    const consume = this.host.runtime.consume?.bind(this.host.runtime);
    if (!consume) throw new ApiError('NOT_SUPPORTED', "this service's runtime cannot consume records");
    let log = this.logs.get(mapId);
    if (!log) this.logs.set(mapId, (log = { records: [], last: 0 }));
    for (const { cpu, record } of consume(mapId)) {
      log.records.push({ seq: ++log.last, ...(cpu === undefined ? {} : { cpu }), data: Buffer.from(record.buffer, record.byteOffset, record.length).toString('hex') });
    }
    if (log.records.length > STREAM_KEEP) log.records.splice(0, log.records.length - STREAM_KEEP);
    const oldest = log.records[0]?.seq ?? log.last + 1;
    // Records are numbered consecutively, so the ones after `after` start at a known index.
    const from = Math.max(0, after + 1 - oldest);
    return { records: log.records.slice(from), last: log.last, oldest };
  }
}
