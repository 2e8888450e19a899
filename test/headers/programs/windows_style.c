// A program written the way eBPF for Windows' own samples are: quoted includes, <stdint.h> included
// directly, the Windows and the Linux names of the packet headers, a legacy map definition next to a
// BTF one, and htons from bpf_endian.h. It must compile unchanged against include/ with no libc.
#include <stdint.h>

#include "bpf_endian.h"
#include "bpf_helpers.h"
#include "net/if_ether.h"
#include "net/ip.h"
#include "net/tcp.h"
#include "net/udp.h"
#include "xdp_hooks.h"

SEC("maps")
struct bpf_map_def port_counts = {
    .type = BPF_MAP_TYPE_PERCPU_HASH, .key_size = sizeof(uint16_t), .value_size = sizeof(uint64_t), .max_entries = 1024};

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 1);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} tcp_syns SEC(".maps");

SEC("xdp/count")
int
count_ports(xdp_md_t* ctx)
{
    struct ethhdr* eth = (struct ethhdr*)ctx->data;
    if ((char*)(eth + 1) > (char*)ctx->data_end || eth->h_proto != htons(ETH_P_IP)) {
        return XDP_PASS;
    }
    struct iphdr* ip = (struct iphdr*)(eth + 1);
    if ((char*)(ip + 1) > (char*)ctx->data_end || ip->ihl != sizeof(IPV4_HEADER) / 4) {
        return XDP_PASS;
    }
    if (ip->protocol == IPPROTO_UDP) {
        struct udphdr* udp = (struct udphdr*)(ip + 1);
        if ((char*)(udp + 1) > (char*)ctx->data_end) {
            return XDP_DROP;
        }
        uint16_t port = ntohs(udp->dest);
        uint64_t* count = bpf_map_lookup_elem(&port_counts, &port);
        if (count) {
            *count += 1;
        }
    } else if (ip->Protocol == IPPROTO_TCP) {
        struct tcphdr* tcp = (struct tcphdr*)(ip + 1);
        if ((char*)(tcp + 1) > (char*)ctx->data_end) {
            return XDP_DROP;
        }
        uint32_t zero = 0;
        uint64_t* syns = bpf_map_lookup_elem(&tcp_syns, &zero);
        if (syns && tcp->syn && !tcp->ack) {
            __sync_fetch_and_add(syns, 1);
        }
    }
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "MIT";
