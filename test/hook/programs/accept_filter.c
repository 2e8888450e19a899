// Hook tests for accepted connections and connection lifetimes: connections from 127.0.0.2 are rejected at
// recv_accept4, and sockops counts established (active, passive) and deleted connections by op.
#include "bpf_helpers.h"
#include "bpf_endian.h"
#include "ebpf_nethooks.h"

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 3);
} ops SEC(".maps");

SEC("cgroup/recv_accept4")
int
RejectFromDotTwo(bpf_sock_addr_t* ctx)
{
    if (ctx->msg_src_ip4 == bpf_htonl(0x7f000002)) {
        return BPF_SOCK_ADDR_VERDICT_REJECT;
    }
    return BPF_SOCK_ADDR_VERDICT_PROCEED_SOFT;
}

SEC("sockops")
int
CountOps(bpf_sock_ops_t* ctx)
{
    uint32_t op = ctx->op;
    uint64_t* count = bpf_map_lookup_elem(&ops, &op);
    if (count) {
        __sync_fetch_and_add(count, 1);
    }
    return 0;
}

char LICENSE[] SEC("license") = "MIT";
