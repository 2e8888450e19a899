// An XDP program for the relay tests: datagrams sent from source port 9999 are dropped, datagrams whose
// payload starts with 'E' are sent back to their sender with the addresses and ports swapped (XDP_TX),
// everything else passes. Counts each verdict in `verdicts`.
#include "bpf_helpers.h"
#include "bpf_endian.h"
#include "net/if_ether.h"
#include "net/ip.h"
#include "net/udp.h"
#include "xdp_hooks.h"

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 4);
} verdicts SEC(".maps");

static void
count(uint32_t v)
{
    uint64_t* seen = bpf_map_lookup_elem(&verdicts, &v);
    if (seen) {
        __sync_fetch_and_add(seen, 1);
    }
}

SEC("xdp")
int
RelayFilter(xdp_md_t* ctx)
{
    uint8_t* data = ctx->data;
    uint8_t* end = ctx->data_end;
    ETHERNET_HEADER* ethernet = (ETHERNET_HEADER*)data;
    if ((uint8_t*)(ethernet + 1) > end || ethernet->Type != bpf_htons(ETH_P_IP)) {
        count(XDP_PASS);
        return XDP_PASS;
    }
    IPV4_HEADER* ip = (IPV4_HEADER*)(ethernet + 1);
    if ((uint8_t*)(ip + 1) > end || ip->Protocol != IPPROTO_UDP || ip->HeaderLength != 5) {
        count(XDP_PASS);
        return XDP_PASS;
    }
    UDP_HEADER* udp = (UDP_HEADER*)(ip + 1);
    if ((uint8_t*)(udp + 1) > end) {
        count(XDP_DROP);
        return XDP_DROP;
    }
    if (udp->srcPort == bpf_htons(9999)) {
        count(XDP_DROP);
        return XDP_DROP;
    }
    uint8_t* payload = (uint8_t*)(udp + 1);
    if (payload + 1 <= end && payload[0] == 'E') {
        uint32_t address = ip->SourceAddress;
        ip->SourceAddress = ip->DestinationAddress;
        ip->DestinationAddress = address;
        uint16_t port = udp->srcPort;
        udp->srcPort = udp->destPort;
        udp->destPort = port;
        count(XDP_TX);
        return XDP_TX;
    }
    count(XDP_PASS);
        return XDP_PASS;
}

char LICENSE[] SEC("license") = "MIT";
