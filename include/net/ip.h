// IPv4 and IPv6 headers, named as eBPF for Windows' include/net/ip.h names them. Every IPv4 field also
// answers to its Linux name (`ihl`, `tot_len`, `protocol`, `saddr`, ...; `struct iphdr`), through unions.
#pragma once

#include "../bpf_helpers_platform.h"

#define IPPROTO_ICMP 1
#define IPPROTO_IPV4 4
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_IPV6 41
#define IPPROTO_ICMPV6 58

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 23
#endif

#ifndef DEFAULT_COMPARTMENT_ID
#define DEFAULT_COMPARTMENT_ID 1
#endif

typedef struct _IPV4_HEADER
{
    union
    {
        uint8_t VersionAndHeaderLength;
        struct
        {
            uint8_t HeaderLength : 4; // In 32-bit words.
            uint8_t Version : 4;
        };
        struct
        {
            uint8_t ihl : 4;
            uint8_t version : 4;
        };
    };
    union
    {
        uint8_t TypeOfServiceAndEcnField; // Type of service and ECN (RFC 3168).
        uint8_t tos;
        struct
        {
            uint8_t EcnField : 2;
            uint8_t TypeOfService : 6;
        };
    };
    union
    {
        uint16_t TotalLength; // Network byte order, like every multi-byte field here.
        uint16_t tot_len;
    };
    union
    {
        uint16_t Identification;
        uint16_t id;
    };
    union
    {
        uint16_t FlagsAndOffset;
        uint16_t frag_off;
        struct
        {
            uint16_t DontUse1 : 5; // High bits of the fragment offset.
            uint16_t MoreFragments : 1;
            uint16_t DontFragment : 1;
            uint16_t Reserved : 1;
            uint16_t DontUse2 : 8; // Low bits of the fragment offset.
        };
    };
    union
    {
        uint8_t TimeToLive;
        uint8_t ttl;
    };
    union
    {
        uint8_t Protocol;
        uint8_t protocol;
    };
    union
    {
        uint16_t HeaderChecksum;
        uint16_t check;
    };
    union
    {
        uint32_t SourceAddress;
        uint32_t saddr;
    };
    union
    {
        uint32_t DestinationAddress;
        uint32_t daddr;
    };
} IPV4_HEADER, *PIPV4_HEADER;

#define iphdr _IPV4_HEADER

typedef uint8_t ipv6_address_t[16];

typedef struct _IPV6_HEADER
{
    union
    {
        uint32_t VersionClassFlow; // 4 bits version, 8 bits traffic class, 20 bits flow label.
        struct
        {
            uint32_t : 4;
            uint32_t Version : 4;
            uint32_t : 24;
        };
    };
    uint16_t PayloadLength; // 0 means a jumbo payload (hop-by-hop option).
    uint8_t NextHeader;     // The same numbers as IPv4's Protocol.
    uint8_t HopLimit;
    ipv6_address_t SourceAddress;
    ipv6_address_t DestinationAddress;
} IPV6_HEADER, *PIPV6_HEADER;
