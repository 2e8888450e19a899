// The trace log (`bpf_printk` output of every program), live from the event stream, newest first.

import { go } from './route.ts';
import { programs, traceLines } from './store.ts';
import { Table, type Column } from './table.tsx';

type Line = (typeof traceLines.value)[number];

const columns: Column<Line>[] = [
  { key: 'seq', title: '#', value: (l) => l.seq, numeric: true, width: '5em' },
  { key: 'time', title: 'Time', value: (l) => (l.at === 0 ? 'earlier' : new Date(l.at).toLocaleTimeString()), width: '8em' },
  { key: 'program', title: 'Program', value: (l) => programs.value.find((p) => p.id === l.programId)?.name ?? String(l.programId), width: 'minmax(8em, 1fr)' },
  { key: 'text', title: 'Text', value: (l) => l.text, width: 'minmax(16em, 4fr)' },
];

export function TraceView() {
  return (
    <section aria-labelledby="trace-title">
      <h2 id="trace-title">Trace log</h2>
      <p class="muted">What programs print with <code>bpf_printk</code>, as it happens.</p>
      <Table label="Trace log" testId="trace-table" rows={traceLines.value} columns={columns} rowKey={(l) => l.seq} initialSort={{ key: 'seq', descending: true }}
        onOpen={(l) => go(`program/${l.programId}`)} empty="Nothing printed yet." />
    </section>
  );
}
