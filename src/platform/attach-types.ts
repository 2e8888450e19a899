// Attach types (spec §1.7) and the section-name prefixes that select them (spec §2.7).

import type { AttachTypeSpec, SectionSpec } from './types.ts';

/** Every attach type; its name is its section prefix. */
export const ATTACH_TYPES: readonly AttachTypeSpec[] = [
  { id: 1, name: 'xdp', programType: 1 },
  { id: 2, name: 'bind', programType: 2 },
  { id: 3, name: 'cgroup/connect4', programType: 3 },
  { id: 4, name: 'cgroup/connect6', programType: 3 },
  { id: 5, name: 'cgroup/recv_accept4', programType: 3 },
  { id: 6, name: 'cgroup/recv_accept6', programType: 3 },
  { id: 7, name: 'sockops', programType: 4 },
  { id: 8, name: 'sample_ext', programType: 999 },
  { id: 11, name: 'process', programType: 6 },
  { id: 12, name: 'cgroup/connect_authorization4', programType: 3 },
  { id: 13, name: 'cgroup/connect_authorization6', programType: 3 },
  { id: 14, name: 'cgroup/bind4', programType: 3 },
  { id: 15, name: 'cgroup/bind6', programType: 3 },
  { id: 16, name: 'cgroup/listen4', programType: 3 },
  { id: 17, name: 'cgroup/listen6', programType: 3 },
];

/** Section prefixes: one per attach type, named as the attach type. */
export const SECTIONS: readonly SectionSpec[] = ATTACH_TYPES.map((a) => ({ prefix: a.name, programType: a.programType, attachType: a.id }));
