// A connect4 hook that sends connections for one destination port to another port on 127.0.0.1, and
// records every redirect in a hash map keyed by the original port.
#include <bpf_endian.h>
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

#define FROM_PORT 8080
#define TO_PORT 8081
#define LOOPBACK 0x7f000001

struct
{
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, uint16_t);
    __type(value, uint64_t);
    __uint(max_entries, 64);
} redirects SEC(".maps");

SEC("cgroup/connect4")
int
RedirectConnect(bpf_sock_addr_t* ctx)
{
    if (ctx->user_port != bpf_htons(FROM_PORT)) {
        return BPF_SOCK_ADDR_VERDICT_PROCEED_SOFT;
    }
    uint16_t port = FROM_PORT;
    uint64_t one = 1;
    uint64_t* seen = bpf_map_lookup_elem(&redirects, &port);
    if (seen) {
        *seen += 1;
    } else {
        bpf_map_update_elem(&redirects, &port, &one, BPF_NOEXIST);
    }
    ctx->user_ip4 = bpf_htonl(LOOPBACK);
    ctx->user_port = bpf_htons(TO_PORT);
    return BPF_SOCK_ADDR_VERDICT_PROCEED_HARD;
}

char LICENSE[] SEC("license") = "MIT";
