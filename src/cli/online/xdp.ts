// `ebpf xdp relay`: a user-space packet path for XDP programs. Each UDP datagram received on `listen` is
// presented to the XDP program attached on the interface as a full Ethernet/IPv4/UDP frame; PASS forwards
// the (possibly rewritten) payload to `forward` and relays the answers back, DROP drops it, TX sends it back
// to its sender. Programs may rewrite the frame and move its start with bpf_xdp_adjust_head.

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv4 } from 'node:net';
import type { EbpfApi } from '../../client/index.ts';
import { UsageError } from '../args.ts';
import type { CliIo } from '../io.ts';
import type { ToolCommand } from '../main.ts';
import { cliErrorOf, withService } from './connect.ts';

interface Endpoint { address: string; port: number }

function endpoint(text: string | undefined, what: string): Endpoint {
  const m = text === undefined ? null : /^(\d+\.\d+\.\d+\.\d+):(\d{1,5})$/.exec(text);
  if (!m || !isIPv4(m[1]!) || Number(m[2]) > 65535) throw new UsageError(`${what} must be IPV4:PORT (e.g. 127.0.0.1:9000), not '${text ?? ''}'`);
  return { address: m[1]!, port: Number(m[2]) };
}

function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i]! << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An Ethernet/IPv4/UDP frame carrying `payload` from `from` to `to`. */
export function udpFrame(from: Endpoint, to: Endpoint, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(14 + 20 + 8 + payload.length);
  const view = new DataView(frame.buffer);
  frame.set([0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02], 0); // destination and source MACs (locally administered)
  view.setUint16(12, 0x0800); // IPv4
  const ip = 14;
  frame[ip] = 0x45;
  view.setUint16(ip + 2, 20 + 8 + payload.length);
  frame[ip + 8] = 64; // TTL
  frame[ip + 9] = 17; // UDP
  frame.set(from.address.split('.').map(Number), ip + 12);
  frame.set(to.address.split('.').map(Number), ip + 16);
  view.setUint16(ip + 10, checksum(frame.subarray(ip, ip + 20)));
  const udp = ip + 20;
  view.setUint16(udp, from.port);
  view.setUint16(udp + 2, to.port);
  view.setUint16(udp + 4, 8 + payload.length);
  frame.set(payload, udp + 8);
  return frame;
}

/** The UDP payload of a frame a program returned: its UDP data when it is still Ethernet/IPv4/UDP, else the whole frame. */
export function payloadOf(frame: Uint8Array): Uint8Array {
  if (frame.length < 14 + 20 + 8 || frame[12] !== 0x08 || frame[13] !== 0x00 || frame[14 + 9] !== 17) return frame;
  const ihl = (frame[14]! & 0x0f) * 4;
  const udp = 14 + ihl;
  if (frame.length < udp + 8) return frame;
  const length = Math.min((frame[udp + 4]! << 8) | frame[udp + 5]!, frame.length - udp);
  return frame.subarray(udp + 8, udp + Math.max(8, length));
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** Counts of a relay's datagrams by verdict. */
export interface RelayCounts { received: number; passed: number; dropped: number; transmitted: number; errors: number }

/** Runs a relay until `stop` resolves or `count` datagrams were handled. */
export async function runRelay(api: EbpfApi, options: { listen: Endpoint; forward: Endpoint; interfaceIndex: number; count?: number; onReady?: () => void; stop?: Promise<void> }): Promise<RelayCounts> {
  const counts: RelayCounts = { received: 0, passed: 0, dropped: 0, transmitted: 0, errors: 0 };
  const front = createSocket('udp4');
  const upstreams = new Map<string, Socket>();
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const handled = () => {
    if (options.count !== undefined && counts.received >= options.count && counts.passed + counts.dropped + counts.transmitted + counts.errors >= options.count) finish();
  };
  const upstreamFor = (sender: RemoteInfo): Socket => {
    const key = `${sender.address}:${sender.port}`;
    let socket = upstreams.get(key);
    if (!socket) {
      if (upstreams.size >= 4096) {
        const [oldest, s] = upstreams.entries().next().value as [string, Socket];
        s.close();
        upstreams.delete(oldest);
      }
      socket = createSocket('udp4');
      // One socket per sender, so that the upstream's answers find their way back.
      socket.on('message', (answer, from) => {
        if (from.port === options.forward.port && from.address === options.forward.address) front.send(answer, sender.port, sender.address);
      });
      socket.on('error', () => counts.errors++);
      upstreams.set(key, socket);
    }
    return socket;
  };
  front.on('message', (message, sender) => {
    counts.received++;
    const frame = udpFrame({ address: sender.address, port: sender.port }, options.listen, message);
    api.call('hooks.xdp', { interfaceIndex: options.interfaceIndex, frame: hex(frame) }).then(
      (r) => {
        const payload = payloadOf(Buffer.from(r.frame, 'hex'));
        if (r.action === 'drop') counts.dropped++;
        else if (r.action === 'tx') {
          counts.transmitted++;
          front.send(payload, sender.port, sender.address);
        } else {
          counts.passed++;
          upstreamFor(sender).send(payload, options.forward.port, options.forward.address);
        }
        handled();
      },
      () => {
        counts.errors++;
        handled();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.bind(options.listen.port, options.listen.address, () => resolve());
  });
  options.onReady?.();
  await Promise.race([finished, ...(options.stop ? [options.stop] : [])]);
  // Answers to the last forwarded datagrams may still be on their way back.
  await new Promise((resolve) => setTimeout(resolve, 200));
  front.close();
  for (const s of upstreams.values()) s.close();
  return counts;
}

export const xdpCommand: ToolCommand = {
  name: 'xdp',
  usage: 'xdp relay listen=IP:PORT forward=IP:PORT [interface=N] [count=N]',
  summary: 'Relays UDP datagrams through the XDP program attached on an interface (PASS forwards, DROP drops, TX echoes).',
  async run(argv: readonly string[], io: CliIo) {
    if (argv[0] !== 'relay') throw new UsageError(`'xdp ${argv[0] ?? ''}' is not a command (xdp relay)`);
    const params = new Map<string, string>();
    for (const a of argv.slice(1)) {
      const m = /^([a-z]+)=(.*)$/.exec(a);
      if (!m || !['listen', 'forward', 'interface', 'count'].includes(m[1]!)) throw new UsageError(`unexpected '${a}' (xdp relay listen=IP:PORT forward=IP:PORT [interface=N] [count=N])`);
      params.set(m[1]!, m[2]!);
    }
    const listen = endpoint(params.get('listen'), 'listen');
    const forward = endpoint(params.get('forward'), 'forward');
    const interfaceIndex = Number(params.get('interface') ?? 1);
    if (!Number.isInteger(interfaceIndex) || interfaceIndex < 0 || interfaceIndex > 0xffffffff) throw new UsageError(`interface must be an interface index, not '${params.get('interface')}'`);
    const count = params.has('count') ? Number(params.get('count')) : undefined;
    if (count !== undefined && (!Number.isInteger(count) || count <= 0)) throw new UsageError(`count must be a positive number, not '${params.get('count')}'`);
    try {
      return await withService(io, async (api) => {
        let stopNow: () => void = () => {};
        const stop = new Promise<void>((resolve) => (stopNow = resolve));
        const onSignal = () => stopNow();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        try {
          const counts = await runRelay(api, {
            listen, forward, interfaceIndex, stop, ...(count === undefined ? {} : { count }),
            onReady: () => io.out(`Relaying UDP ${listen.address}:${listen.port} -> ${forward.address}:${forward.port} through the XDP program on interface ${interfaceIndex}${count === undefined ? ' (Ctrl-C stops)' : ''}\n`),
          });
          io.out(`${counts.received} received, ${counts.passed} passed, ${counts.dropped} dropped, ${counts.transmitted} sent back, ${counts.errors} errors\n`);
          return 0;
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      });
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw cliErrorOf(error);
    }
  },
};
