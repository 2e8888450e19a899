// BTF printed the way `bpftool btf dump file X` prints it (its default, raw format), so the two can be
// compared line for line.

import type { Btf } from './btf.ts';
import { BTF_INT_BOOL, BTF_INT_CHAR, BTF_INT_SIGNED, type BtfType } from './types.ts';

const LINKAGE = ['static', 'global', 'extern'];

function quoted(name: string): string {
  return `'${name === '' ? '(anon)' : name}'`;
}

/** bpftool names exactly one encoding bit; a combination of bits prints as UNKN. */
function intEncoding(encoding: number): string {
  switch (encoding) {
    case 0: return '(none)';
    case BTF_INT_SIGNED: return 'SIGNED';
    case BTF_INT_CHAR: return 'CHAR';
    case BTF_INT_BOOL: return 'BOOL';
    default: return 'UNKN';
  }
}

function linkage(value: number): string {
  return LINKAGE[value] ?? '(unknown)';
}

/** One type as bpftool prints it (with its member lines, tab-indented). */
export function formatBtfType(btf: Btf, t: BtfType): string {
  const head = `[${t.id}] ${t.kind} ${quoted(t.name)}`;
  switch (t.kind) {
    case 'INT':
      return `${head} size=${t.size} bits_offset=${t.bitOffset} nr_bits=${t.bits} encoding=${intEncoding(t.encoding)}`;
    case 'PTR':
    case 'TYPEDEF':
    case 'VOLATILE':
    case 'CONST':
    case 'RESTRICT':
    case 'TYPE_TAG':
      return `${head} type_id=${t.type}`;
    case 'ARRAY':
      return `${head} type_id=${t.type} index_type_id=${t.indexType} nr_elems=${t.length}`;
    case 'STRUCT':
    case 'UNION':
      return [
        `${head} size=${t.size} vlen=${t.members.length}`,
        ...t.members.map((m) => `\t${quoted(m.name)} type_id=${m.type} bits_offset=${m.bitOffset}${m.bitfieldSize ? ` bitfield_size=${m.bitfieldSize}` : ''}`),
      ].join('\n');
    case 'ENUM':
    case 'ENUM64':
      return [
        `${head} encoding=${t.signed ? 'SIGNED' : 'UNSIGNED'} size=${t.size} vlen=${t.values.length}`,
        // bpftool marks 64-bit enumerator values with C's suffixes.
        ...t.values.map((v) => `\t${quoted(v.name)} val=${v.value}${t.kind === 'ENUM64' ? (t.signed ? 'LL' : 'ULL') : ''}`),
      ].join('\n');
    case 'FWD':
      return `${head} fwd_kind=${t.union ? 'union' : 'struct'}`;
    case 'FUNC':
      return `${head} type_id=${t.type} linkage=${linkage(t.linkage)}`;
    case 'FUNC_PROTO':
      return [`${head} ret_type_id=${t.returnType} vlen=${t.params.length}`, ...t.params.map((p) => `\t${quoted(p.name)} type_id=${p.type}`)].join('\n');
    case 'VAR':
      return `${head} type_id=${t.type}, linkage=${linkage(t.linkage)}`;
    case 'DATASEC':
      return [
        `${head} size=${t.size} vlen=${t.vars.length}`,
        ...t.vars.map((v) => {
          const target = btf.types[v.type];
          const what = target ? `${target.kind} ${quoted(target.name)}` : `(unknown)`;
          return `\ttype_id=${v.type} offset=${v.offset} size=${v.size} (${what})`;
        }),
      ].join('\n');
    case 'FLOAT':
      return `${head} size=${t.size}`;
    case 'DECL_TAG':
      return `${head} type_id=${t.type} component_idx=${t.componentIndex}`;
  }
}

/** Every type, one per line (members on their own lines), as `bpftool btf dump file` prints them. */
export function formatBtfDump(btf: Btf): string {
  const lines: string[] = [];
  for (const t of btf.types) if (t) lines.push(formatBtfType(btf, t));
  return lines.length ? lines.join('\n') + '\n' : '';
}
