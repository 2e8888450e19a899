// The TCP header, with the Linux field names eBPF for Windows' include/net/tcp.h uses.
#pragma once

#include "../bpf_helpers_platform.h"

struct tcphdr
{
    uint16_t source; // Network byte order, like every multi-byte field here.
    uint16_t dest;
    uint32_t seq;
    uint32_t ack_seq;
    // Bit fields run from the low bit of each byte to the high one.
    uint16_t ns : 1;
    uint16_t reserved : 3;
    uint16_t doff : 4; // Data offset, in 32-bit words.
    uint16_t fin : 1;
    uint16_t syn : 1;
    uint16_t rst : 1;
    uint16_t psh : 1;
    uint16_t ack : 1;
    uint16_t urg : 1;
    uint16_t ece : 1;
    uint16_t cwr : 1;
    uint16_t window;
    uint16_t check;
    uint16_t urg_ptr;
};

_Static_assert(sizeof(struct tcphdr) == 20, "the TCP header is 20 bytes");

typedef struct tcphdr TCP_HEADER, *PTCP_HEADER;
