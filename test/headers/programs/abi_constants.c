// The ABI's numbers and layouts that are not in the platform table (verdicts, flags, limits, the legacy
// map definition, the packet headers), checked by the compiler against spec/windows-abi.md.
#include <bpf_endian.h>
#include <bpf_helpers.h>
#include <ebpf_netevent_hooks.h>
#include <ebpf_process_hooks.h>
#include <net/if_ether.h>
#include <net/ip.h>
#include <net/tcp.h>
#include <net/udp.h>
#include <sample_ext_helpers.h>
#include <stddef.h>
#include <xdp_hooks.h>

#define CHECK(condition) _Static_assert(condition, #condition)

// Verdicts (spec §2.1-2.5).
CHECK(BIND_PERMIT_SOFT == 0 && BIND_DENY == 1 && BIND_REDIRECT == 2 && BIND_PERMIT_HARD == 3 && BIND_PERMIT == 0);
CHECK(BIND_OPERATION_BIND == 0 && BIND_OPERATION_POST_BIND == 1 && BIND_OPERATION_UNBIND == 2);
CHECK(BPF_SOCK_ADDR_VERDICT_REJECT == 0 && BPF_SOCK_ADDR_VERDICT_PROCEED_SOFT == 1 && BPF_SOCK_ADDR_VERDICT_PROCEED_HARD == 2);
CHECK(BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB == 0 && BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB == 1 && BPF_SOCK_OPS_CONNECTION_DELETED_CB == 2);
CHECK(XDP_PASS == 1 && XDP_DROP == 2 && XDP_TX == 3 && XDP_REDIRECT == 4);
CHECK(PROCESS_OPERATION_CREATE == 0 && PROCESS_OPERATION_DELETE == 1);

// Flags and limits (spec §1.4, §6).
CHECK(BPF_ANY == 0 && BPF_NOEXIST == 1 && BPF_EXIST == 2);
CHECK(EBPF_ANY == 0 && EBPF_NOEXIST == 1 && EBPF_EXIST == 2);
CHECK(LIBBPF_PIN_NONE == 0 && LIBBPF_PIN_BY_NAME == 1);
CHECK(MAX_TAIL_CALL_CNT == 33 && BPF_OBJ_NAME_LEN == 64);
CHECK(EBPF_MAX_GENERAL_HELPER_FUNCTION == 0xFFFF);
CHECK(BPF_MAP_TYPE_MAX == 17 && __MAX_BPF_ATTACH_TYPE == 18);
CHECK(BPF_MAP_TYPE_PER_CPU(BPF_MAP_TYPE_PERF_EVENT_ARRAY) && !BPF_MAP_TYPE_PER_CPU(BPF_MAP_TYPE_HASH));
CHECK(EBPF_MAP_FLAG_CURRENT_CPU == 0xffffffffULL && EBPF_MAP_FLAG_CTX_LENGTH_MASK == (0xfffffULL << 32));
CHECK(BPF_LINK_TYPE_UNSPEC == 0 && BPF_LINK_TYPE_PLAIN == 1 && BPF_LINK_TYPE_CGROUP == 2 && BPF_LINK_TYPE_XDP == 3);

// The legacy map definition: 8 x uint32 (spec §1.5).
CHECK(sizeof(struct bpf_map_def) == 32);
CHECK(offsetof(struct bpf_map_def, type) == 0 && offsetof(struct bpf_map_def, key_size) == 4);
CHECK(offsetof(struct bpf_map_def, value_size) == 8 && offsetof(struct bpf_map_def, max_entries) == 12);
CHECK(offsetof(struct bpf_map_def, inner_map_idx) == 16 && offsetof(struct bpf_map_def, pinning) == 20);
CHECK(offsetof(struct bpf_map_def, id) == 24 && offsetof(struct bpf_map_def, inner_id) == 28);

// Side structures of the hooks (spec §2.2).
CHECK(sizeof(bpf_sock_addr_network_context_t) == 32);
CHECK(offsetof(bpf_sock_addr_network_context_t, next_hop_interface_luid) == 16);
CHECK(offsetof(bpf_sock_addr_network_context_t, sub_interface_index) == 24);
CHECK(offsetof(bpf_sock_addr_test_context_t, context) == 24);

// Packet headers: sizes, and the Linux names at the Windows names' offsets.
CHECK(sizeof(ETHERNET_HEADER) == 14 && offsetof(struct ethhdr, h_proto) == 12 && offsetof(ETHERNET_HEADER, Type) == 12);
CHECK(sizeof(IPV4_HEADER) == 20 && sizeof(IPV6_HEADER) == 40 && sizeof(struct tcphdr) == 20 && sizeof(UDP_HEADER) == 8);
CHECK(offsetof(struct iphdr, protocol) == 9 && offsetof(IPV4_HEADER, Protocol) == 9);
CHECK(offsetof(struct iphdr, saddr) == 12 && offsetof(IPV4_HEADER, DestinationAddress) == 16);
CHECK(offsetof(IPV6_HEADER, NextHeader) == 6 && offsetof(IPV6_HEADER, SourceAddress) == 8);
CHECK(offsetof(struct udphdr, dest) == 2 && offsetof(UDP_HEADER, destPort) == 2 && offsetof(UDP_HEADER, checksum) == 6);
CHECK(offsetof(struct tcphdr, window) == 14);
CHECK(ETH_P_IP == 0x0800 && ETHERNET_TYPE_IPV6 == 0x86dd && IPPROTO_TCP == 6 && IPPROTO_UDP == 17 && IPPROTO_IPV6 == 41);
CHECK(AF_INET == 2 && AF_INET6 == 23);

// Byte order: constants fold (usable here) and swap.
CHECK(bpf_htons(0x1234) == 0x3412 && bpf_htonl(0x12345678) == 0x78563412);
CHECK(bpf_cpu_to_be64(0x0102030405060708ULL) == 0x0807060504030201ULL);

SEC("sample_ext")
int
constants(sample_program_context_t* ctx)
{
    return 0;
}
