// An XDP program that parses Ethernet, IPv4 and UDP headers with bounds checks against data_end, drops
// datagrams to one port, and counts what it saw per verdict.
#include <bpf_endian.h>
#include <bpf_helpers.h>
#include <net/if_ether.h>
#include <net/ip.h>
#include <net/udp.h>
#include <xdp_hooks.h>

#define BLOCKED_PORT 9999

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 4);
} verdicts SEC(".maps");

static void
count(uint32_t verdict)
{
    uint64_t* seen = bpf_map_lookup_elem(&verdicts, &verdict);
    if (seen) {
        *seen += 1;
    }
}

SEC("xdp")
int
DropUdpPort(xdp_md_t* ctx)
{
    uint8_t* data = ctx->data;
    uint8_t* end = ctx->data_end;
    ETHERNET_HEADER* ethernet = (ETHERNET_HEADER*)data;
    if ((uint8_t*)(ethernet + 1) > end || ethernet->Type != bpf_htons(ETH_P_IP)) {
        count(XDP_PASS);
        return XDP_PASS;
    }
    IPV4_HEADER* ip = (IPV4_HEADER*)(ethernet + 1);
    if ((uint8_t*)(ip + 1) > end || ip->Protocol != IPPROTO_UDP) {
        count(XDP_PASS);
        return XDP_PASS;
    }
    uint32_t header_length = ip->HeaderLength * 4;
    if (header_length < sizeof(IPV4_HEADER)) {
        return XDP_DROP;
    }
    UDP_HEADER* udp = (UDP_HEADER*)((uint8_t*)ip + header_length);
    if ((uint8_t*)(udp + 1) > end) {
        return XDP_DROP;
    }
    uint32_t verdict = udp->destPort == bpf_htons(BLOCKED_PORT) ? XDP_DROP : XDP_PASS;
    count(verdict);
    return verdict;
}

char LICENSE[] SEC("license") = "MIT";
