// A recv_accept4 hook that refuses connections from denied networks: the peer's IPv4 address is looked up
// in a longest-prefix-match trie of denied prefixes, and each rule counts the connections it refused.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

typedef struct _ipv4_prefix
{
    uint32_t prefix_length; // In bits.
    uint32_t address;       // Network byte order.
} ipv4_prefix_t;

struct
{
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __type(key, ipv4_prefix_t);
    __type(value, uint64_t);
    __uint(max_entries, 256);
} denied_networks SEC(".maps");

SEC("cgroup/recv_accept4")
int
DenyListedPeers(bpf_sock_addr_t* ctx)
{
    // For an incoming connection the user_* fields hold the remote end.
    ipv4_prefix_t peer = {.prefix_length = 32, .address = ctx->user_ip4};
    uint64_t* refused = bpf_map_lookup_elem(&denied_networks, &peer);
    if (refused == NULL) {
        return BPF_SOCK_ADDR_VERDICT_PROCEED_SOFT;
    }
    __sync_fetch_and_add(refused, 1);
    return BPF_SOCK_ADDR_VERDICT_REJECT;
}

char LICENSE[] SEC("license") = "MIT";
