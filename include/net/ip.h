// IPv4 and IPv6 headers, as eBPF for Windows' include/net/ip.h names them.
#pragma once

#include "../bpf_helpers_platform.h"

#define IPPROTO_IPV4 4
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_IPV6 41
#define IPPROTO_ICMP 1
#define IPPROTO_ICMPV6 58

#define IPV4_VERSION 4
#define IPV6_VERSION 6

typedef uint8_t ipv6_address_t[16];

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
    };
    union
    {
        uint8_t TypeOfServiceAndEcnField;
        struct
        {
            uint8_t EcnField : 2;
            uint8_t TypeOfService : 6;
        };
    };
    uint16_t TotalLength; // Network byte order.
    uint16_t Identification;
    union
    {
        uint16_t FlagsAndOffset;
        struct
        {
            uint16_t DontUse1 : 5;
            uint16_t MoreFragments : 1;
            uint16_t DontFragment : 1;
            uint16_t Reserved : 1;
            uint16_t DontUse2 : 8;
        };
    };
    uint8_t TimeToLive;
    uint8_t Protocol;
    uint16_t HeaderChecksum;
    uint32_t SourceAddress;      // Network byte order.
    uint32_t DestinationAddress; // Network byte order.
} IPV4_HEADER, *PIPV4_HEADER;

typedef struct _IPV6_HEADER
{
    union
    {
        uint32_t VersionClassFlow;
        struct
        {
            uint32_t DontUse1 : 4;
            uint32_t Version : 4;
            uint32_t DontUse2 : 24;
        };
    };
    uint16_t PayloadLength; // Network byte order.
    uint8_t NextHeader;
    uint8_t HopLimit;
    ipv6_address_t SourceAddress;
    ipv6_address_t DestinationAddress;
} IPV6_HEADER, *PIPV6_HEADER;
