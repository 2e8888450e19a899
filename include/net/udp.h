// UDP header, as eBPF for Windows' include/net/udp.h names it.
#pragma once

#include "../bpf_helpers_platform.h"

typedef struct _UDP_HEADER
{
    uint16_t srcPort; // Network byte order.
    uint16_t destPort;
    uint16_t length;
    uint16_t checksum;
} UDP_HEADER, *PUDP_HEADER;

struct udphdr
{
    uint16_t source;
    uint16_t dest;
    uint16_t len;
    uint16_t check;
};
