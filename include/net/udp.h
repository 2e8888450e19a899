// The UDP header, named as eBPF for Windows' include/net/udp.h names it; the Linux names (`struct udphdr`,
// `source`, `dest`, `len`, `check`) alias the same fields.
#pragma once

#include "../bpf_helpers_platform.h"

typedef struct UDP_HEADER_
{
    union
    {
        uint16_t srcPort; // Network byte order, like every field here.
        uint16_t source;
    };
    union
    {
        uint16_t destPort;
        uint16_t dest;
    };
    union
    {
        uint16_t length;
        uint16_t len;
    };
    union
    {
        uint16_t checksum;
        uint16_t check;
    };
} UDP_HEADER, *PUDP_HEADER;

#define udphdr UDP_HEADER_
