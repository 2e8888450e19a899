// A sockops program that counts established (outbound and inbound) and deleted connections.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

struct
{
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 3);
} connections SEC(".maps");

SEC("sockops")
int
CountConnections(bpf_sock_ops_t* ctx)
{
    uint32_t op = ctx->op;
    if (op > BPF_SOCK_OPS_CONNECTION_DELETED_CB) {
        return 0;
    }
    uint64_t* count = bpf_map_lookup_elem(&connections, &op);
    if (count) {
        *count += 1;
    }
    return 0;
}

char LICENSE[] SEC("license") = "MIT";
