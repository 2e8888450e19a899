// TCP header (Linux field names, as eBPF for Windows' include/net/tcp.h uses).
#pragma once

#include "../bpf_helpers_platform.h"

struct tcphdr
{
    uint16_t source; // Network byte order.
    uint16_t dest;
    uint32_t seq;
    uint32_t ack_seq;
    uint16_t res1 : 4, doff : 4, fin : 1, syn : 1, rst : 1, psh : 1, ack : 1, urg : 1, ece : 1, cwr : 1;
    uint16_t window;
    uint16_t check;
    uint16_t urg_ptr;
};

typedef struct tcphdr TCP_HEADER, *PTCP_HEADER;
