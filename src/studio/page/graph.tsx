// The control-flow graph of a program drawn as SVG: basic blocks laid out in layers by dagre (a Sugiyama
// layout: ranks, crossing reduction, coordinates), each block showing its source lines and instructions.
// Conditional edges are labelled taken/fall-through; local calls are dashed. Clicking an instruction
// selects it; the block holding the selected instruction and the one the verifier failed in stand out.

import dagre from '@dagrejs/dagre';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import type { InspectedBlock, InspectedInstruction } from '../inspect.ts';

const LINE = 16;
const CHAR = 7.4;
const PAD = 8;
const MAX_TEXT = 64;

interface Placed {
  block: InspectedBlock;
  x: number;
  y: number;
  width: number;
  height: number;
  lines: { text: string; pc?: number; source?: boolean }[];
}

const clip = (s: string) => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s);

function layout(blocks: readonly InspectedBlock[], instructions: readonly InspectedInstruction[]) {
  const byPc = new Map(instructions.map((i) => [i.pc, i]));
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 30, ranksep: 40, edgesep: 12, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  const placed = new Map<number, Placed>();
  for (const b of blocks) {
    const lines: Placed['lines'] = [{ text: `${b.functionName} · pc ${b.start}–${b.end - 1}` }];
    for (const s of b.sourceLines) lines.push({ text: clip(s), source: true });
    for (let pc = b.start; pc < b.end; pc++) {
      const insn = byPc.get(pc);
      if (insn) lines.push({ text: clip(`${pc}: ${insn.text}`), pc });
    }
    if (b.fallsOff) lines.push({ text: '⚠ control leaves the program here' });
    const width = Math.max(...lines.map((l) => l.text.length)) * CHAR + PAD * 2;
    const height = lines.length * LINE + PAD * 2;
    placed.set(b.start, { block: b, x: 0, y: 0, width, height, lines });
    g.setNode(String(b.start), { width, height });
  }
  for (const b of blocks) {
    for (const s of b.successors) if (placed.has(s.pc)) g.setEdge(String(b.start), String(s.pc), { kind: s.kind, label: s.kind === 'taken' ? 'taken' : '', width: s.kind === 'taken' ? 40 : 0, height: s.kind === 'taken' ? 14 : 0 }, `${s.kind}`);
    for (const c of b.calls) if (placed.has(c)) g.setEdge(String(b.start), String(c), { kind: 'call' }, 'call');
  }
  dagre.layout(g);
  for (const [start, p] of placed) {
    const n = g.node(String(start));
    p.x = n.x - p.width / 2;
    p.y = n.y - p.height / 2;
  }
  const edges = g.edges().map((e) => {
    const label = g.edge(e) as { kind: string; points: { x: number; y: number }[]; x?: number; y?: number };
    return { from: Number(e.v), to: Number(e.w), kind: label.kind, points: label.points, labelAt: label.x !== undefined ? { x: label.x, y: label.y! } : undefined };
  });
  const graph = g.graph() as { width?: number; height?: number };
  return { placed: [...placed.values()], edges, width: graph.width ?? 0, height: graph.height ?? 0 };
}

export function CfgGraph(props: { blocks: readonly InspectedBlock[]; instructions: readonly InspectedInstruction[]; selectedPc: number; errorPcs: ReadonlySet<number>; onSelect: (pc: number) => void }) {
  const drawn = useMemo(() => layout(props.blocks, props.instructions), [props.blocks, props.instructions]);
  const scroller = useRef<HTMLDivElement>(null);
  const current = drawn.placed.find((p) => props.selectedPc >= p.block.start && props.selectedPc < p.block.end);

  useEffect(() => {
    const el = scroller.current;
    if (!el || !current) return;
    const left = current.x + current.width / 2 - el.clientWidth / 2;
    const top = current.y + current.height / 2 - el.clientHeight / 2;
    el.scrollTo({ left: Math.max(0, left), top: Math.max(0, top) });
  }, [current?.block.start]);

  return (
    <div class="graph" ref={scroller} data-testid="cfg">
      <svg width={drawn.width} height={drawn.height} role="img" aria-label={`Control-flow graph: ${drawn.placed.length} blocks, ${drawn.edges.length} edges`}>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead" /></marker>
        </defs>
        {drawn.edges.map((e, i) => (
          <g key={i} class={`edge ${e.kind}`}>
            <path d={e.points.map((p, k) => `${k === 0 ? 'M' : 'L'}${p.x},${p.y}`).join(' ')} marker-end="url(#arrow)" />
            {e.labelAt && e.kind === 'taken' ? <text x={e.labelAt.x} y={e.labelAt.y}>taken</text> : null}
          </g>
        ))}
        {drawn.placed.map((p) => {
          const failing = [...props.errorPcs].some((pc) => pc >= p.block.start && pc < p.block.end);
          return (
            <g key={p.block.start} class={`block${p.block === current?.block ? ' current' : ''}${failing ? ' failing' : ''}`} transform={`translate(${p.x},${p.y})`} data-block={p.block.start}>
              <rect width={p.width} height={p.height} rx="4" />
              {p.lines.map((l, k) => (
                <text key={k} x={PAD} y={PAD + (k + 1) * LINE - 4} class={l.source ? 'src' : l.pc === undefined ? 'title' : `insn${l.pc === props.selectedPc ? ' sel' : ''}${props.errorPcs.has(l.pc) ? ' err' : ''}`}
                  onClick={l.pc === undefined ? undefined : () => props.onSelect(l.pc!)} data-pc={l.pc}>{l.text}</text>
              ))}
            </g>
          );
        })}
      </svg>
    </div>
  );
}
