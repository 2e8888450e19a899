// The Ethernet header, named as eBPF for Windows' include/net/if_ether.h names it, with the Linux names
// (`struct ethhdr`, `h_dest`, `h_source`, `h_proto`, ETH_P_IP) as aliases so portable programs compile too.
#pragma once

#include "../bpf_helpers_platform.h"

#define ETH_ALEN 6

typedef uint8_t mac_address_t[ETH_ALEN];

#define ETHERNET_TYPE_IPV4 0x0800
#define ETHERNET_TYPE_IPV6 0x86dd

typedef struct _ETHERNET_HEADER
{
    union
    {
        uint8_t Destination[ETH_ALEN];
        uint8_t h_dest[ETH_ALEN];
    };
    union
    {
        uint8_t Source[ETH_ALEN];
        uint8_t h_source[ETH_ALEN];
    };
    union
    {
        uint16_t Type;   // Ethernet II: the payload's protocol, network byte order.
        uint16_t Length; // IEEE 802.3: the payload's length.
        uint16_t h_proto;
    };
} ETHERNET_HEADER, *PETHERNET_HEADER;

#define ethhdr _ETHERNET_HEADER

#define ETH_P_IP ETHERNET_TYPE_IPV4
#define ETH_P_IPV6 ETHERNET_TYPE_IPV6
#define ETH_P_ARP 0x0806
#define ETH_P_8021Q 0x8100
#define ETH_HLEN 14
