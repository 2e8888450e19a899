// Platform glue for eBPF programs: the fixed-width integer types (from this directory's own stdint.h, so
// programs compile with `clang -target bpf` on any machine, no libc needed), the short type names libbpf
// headers use, and the marker section that tells loaders this object was built against the eBPF for
// Windows ABI.
#pragma once

#include "stdbool.h"
#include "stdint.h"

// Not stddef.h: programs often define offsetof themselves, and must not meet a second definition.
typedef __SIZE_TYPE__ size_t;

#ifndef NULL
#define NULL ((void*)0)
#endif

// For eBPF programs a `struct bpf_map` is the legacy map definition (ebpf_structs.h), so map helpers
// can take pointers to either kind of map.
#define bpf_map _ebpf_map_definition_in_file

#ifndef _MSC_VER
// The loader recognises objects built for this ABI by this section.
const bool __ebpf_for_windows_tag __attribute__((section(".ebpf_for_windows"))) = true;
#endif

typedef int8_t __s8;
typedef uint8_t __u8;
typedef int16_t __s16;
typedef uint16_t __u16;
typedef int32_t __s32;
typedef uint32_t __u32;
typedef int64_t __s64;
typedef uint64_t __u64;
typedef uint16_t __be16;
typedef uint32_t __be32;
typedef uint64_t __be64;
typedef uint32_t __wsum;
