// Byte-order conversions for eBPF programs (eBPF targets are little-endian; network order is big).
#pragma once

#define ___bpf_swab16(x) ((uint16_t)__builtin_bswap16((uint16_t)(x)))
#define ___bpf_swab32(x) ((uint32_t)__builtin_bswap32((uint32_t)(x)))
#define ___bpf_swab64(x) ((uint64_t)__builtin_bswap64((uint64_t)(x)))

#define bpf_htons(x) ___bpf_swab16(x)
#define bpf_ntohs(x) ___bpf_swab16(x)
#define bpf_htonl(x) ___bpf_swab32(x)
#define bpf_ntohl(x) ___bpf_swab32(x)
#define bpf_cpu_to_be64(x) ___bpf_swab64(x)
#define bpf_be64_to_cpu(x) ___bpf_swab64(x)
#define bpf_cpu_to_be16(x) ___bpf_swab16(x)
#define bpf_be16_to_cpu(x) ___bpf_swab16(x)
#define bpf_cpu_to_be32(x) ___bpf_swab32(x)
#define bpf_be32_to_cpu(x) ___bpf_swab32(x)

#ifndef htons
#define htons(x) bpf_htons(x)
#define ntohs(x) bpf_ntohs(x)
#define htonl(x) bpf_htonl(x)
#define ntohl(x) bpf_ntohl(x)
#endif
