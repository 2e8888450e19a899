// Attach types (spec §1.7, GUIDs §1.8). An attach type's name is its section prefix (spec §2.7), so the
// section table is derived from this one (sections.ts).

import type { AttachTypeSpec } from './types.ts';

const a = (id: number, name: string, enumName: string, programType: number, guid: string): AttachTypeSpec => ({ id, name, enumName, programType, guid });

/** Every attach type (9, the removed xdp_test, stays unused). */
export const ATTACH_TYPES: readonly AttachTypeSpec[] = [
  a(1, 'xdp', 'BPF_XDP', 1, '85e0d8ef-579e-4931-b072-8ee226bb2e9d'),
  a(2, 'bind', 'BPF_ATTACH_TYPE_BIND', 2, 'b9707e04-8127-4c72-833e-05b1fb439496'),
  a(3, 'cgroup/connect4', 'BPF_CGROUP_INET4_CONNECT', 3, 'a82e37b1-aee7-11ec-9a30-18602489beee'),
  a(4, 'cgroup/connect6', 'BPF_CGROUP_INET6_CONNECT', 3, 'a82e37b2-aee7-11ec-9a30-18602489beee'),
  a(5, 'cgroup/recv_accept4', 'BPF_CGROUP_INET4_RECV_ACCEPT', 3, 'a82e37b3-aee7-11ec-9a30-18602489beee'),
  a(6, 'cgroup/recv_accept6', 'BPF_CGROUP_INET6_RECV_ACCEPT', 3, 'a82e37b4-aee7-11ec-9a30-18602489beee'),
  a(7, 'sockops', 'BPF_CGROUP_SOCK_OPS', 4, '837d02cd-3251-4632-8d94-60d3b45769f2'),
  a(8, 'sample_ext', 'BPF_ATTACH_TYPE_SAMPLE', 999, 'f788ef4b-207d-4dc3-85cf-0f2ea107213c'),
  a(10, 'netevent_monitor', 'BPF_ATTACH_TYPE_NETEVENT', 5, '68011b08-ab6b-4b46-85e4-67bae1afe741'),
  a(11, 'process', 'BPF_ATTACH_TYPE_PROCESS', 6, '66e20687-9805-4458-a0db-38e220d31685'),
  a(12, 'cgroup/connect_authorization4', 'BPF_CGROUP_INET4_CONNECT_AUTHORIZATION', 3, '6076c13a-f04f-4ff8-8380-908553f22276'),
  a(13, 'cgroup/connect_authorization6', 'BPF_CGROUP_INET6_CONNECT_AUTHORIZATION', 3, '54b0b6ed-432a-4674-8b27-8d9f5b40c675'),
  a(14, 'cgroup/bind4', 'BPF_CGROUP_INET4_BIND', 3, '0d7ce21a-7773-405c-93b6-d5bfb92e74bc'),
  a(15, 'cgroup/bind6', 'BPF_CGROUP_INET6_BIND', 3, '81de64c0-2973-468d-8382-6769f033d759'),
  a(16, 'cgroup/listen4', 'BPF_CGROUP_INET4_LISTEN', 3, 'e1b0cb3d-d70c-4ee2-b23a-0742bedb06d6'),
  a(17, 'cgroup/listen6', 'BPF_CGROUP_INET6_LISTEN', 3, '4e72f92e-5ed0-4fe5-b851-b124fe14074d'),
];
