// What eBPF programs include: the BTF map-definition macros, SEC(), the shared enums and structs, the
// network hook contexts, and every general helper (eBPF for Windows numbering).
#pragma once

#include "bpf_helpers_platform.h"
#include "ebpf_structs.h"

#define __uint(name, val) int(*name)[val]
#define __type(name, val) typeof(val)* name
#define __array(name, val) typeof(val)* name[]

#ifndef SEC
#define SEC(NAME) __attribute__((section(NAME), used))
#endif

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define bpf_map_def _ebpf_map_definition_in_file

#include "ebpf_nethooks.h"

#ifndef EBPF_HELPER
#define EBPF_HELPER(return_type, name, args) typedef return_type(*const name##_t) args
#endif
#include "bpf_helper_defs.h"

#ifndef _WIN32
#define _WIN32
#endif
