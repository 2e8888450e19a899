// Ethernet header, as eBPF for Windows' include/net/if_ether.h names it.
#pragma once

#include "../bpf_helpers_platform.h"

#define ETH_ALEN 6
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_ARP 0x0806
#define ETH_P_8021Q 0x8100

typedef uint8_t mac_address_t[ETH_ALEN];

typedef struct _ETHERNET_HEADER
{
    uint8_t Destination[ETH_ALEN];
    uint8_t Source[ETH_ALEN];
    union
    {
        uint16_t Type;   // Network byte order.
        uint16_t Length; // For 802.3 frames.
    };
} ETHERNET_HEADER, *PETHERNET_HEADER;

#define sizeof_ETHERNET_HEADER 14
