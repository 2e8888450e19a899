// The sample program type (999, section "sample_ext") used by tests, and its helpers.
#pragma once

#include "bpf_helpers.h"

typedef struct _sample_program_context
{
    uint8_t* data_start; // The context's data pointer.
    uint8_t* data_end;   // The context's data_end pointer.
    uint32_t uint32_data;
    uint16_t uint16_data;
    uint32_t helper_data_1;
    uint32_t helper_data_2;
} sample_program_context_t;

#define SAMPLE_EXT_HELPER_FN_BASE 0xFFFF

typedef enum
{
    BPF_FUNC_sample_ebpf_extension_helper_function1 = SAMPLE_EXT_HELPER_FN_BASE + 1,
    BPF_FUNC_sample_ebpf_extension_find = SAMPLE_EXT_HELPER_FN_BASE + 2,
    BPF_FUNC_sample_ebpf_extension_replace = SAMPLE_EXT_HELPER_FN_BASE + 3,
    BPF_FUNC_sample_ebpf_extension_helper_implicit_1 = SAMPLE_EXT_HELPER_FN_BASE + 4,
    BPF_FUNC_sample_ebpf_extension_helper_implicit_2 = SAMPLE_EXT_HELPER_FN_BASE + 5,
    BPF_FUNC_sample_ext_helper_map_lookup_element = SAMPLE_EXT_HELPER_FN_BASE + 6,
    BPF_FUNC_sample_ext_helper_map_get_value = SAMPLE_EXT_HELPER_FN_BASE + 7,
} ebpf_sample_helper_id_t;

EBPF_HELPER(int64_t, sample_ebpf_extension_helper_function1, (sample_program_context_t* context));
#define sample_ebpf_extension_helper_function1 \
    ((sample_ebpf_extension_helper_function1_t)BPF_FUNC_sample_ebpf_extension_helper_function1)

// Offset of find within buffer, or a negative value.
EBPF_HELPER(int64_t, sample_ebpf_extension_find, (void* buffer, size_t size, void* find, size_t arg_size));
#define sample_ebpf_extension_find ((sample_ebpf_extension_find_t)BPF_FUNC_sample_ebpf_extension_find)

EBPF_HELPER(int64_t, sample_ebpf_extension_replace, (void* buffer, size_t size, int64_t position, void* replace, size_t arg_size));
#define sample_ebpf_extension_replace ((sample_ebpf_extension_replace_t)BPF_FUNC_sample_ebpf_extension_replace)

EBPF_HELPER(int64_t, sample_ebpf_extension_helper_implicit_1, (void));
#define sample_ebpf_extension_helper_implicit_1 \
    ((sample_ebpf_extension_helper_implicit_1_t)BPF_FUNC_sample_ebpf_extension_helper_implicit_1)

EBPF_HELPER(int64_t, sample_ebpf_extension_helper_implicit_2, (uint32_t arg));
#define sample_ebpf_extension_helper_implicit_2 \
    ((sample_ebpf_extension_helper_implicit_2_t)BPF_FUNC_sample_ebpf_extension_helper_implicit_2)

EBPF_HELPER(void*, sample_ext_helper_map_lookup_element, (void* map, const void* key));
#define sample_ext_helper_map_lookup_element \
    ((sample_ext_helper_map_lookup_element_t)BPF_FUNC_sample_ext_helper_map_lookup_element)

EBPF_HELPER(int64_t, sample_ext_helper_map_get_value, (void* map, const void* key, uint8_t* value, size_t value_size));
#define sample_ext_helper_map_get_value ((sample_ext_helper_map_get_value_t)BPF_FUNC_sample_ext_helper_map_get_value)

// A BTF-resolved function the sample extension provides: programs call it by name, and the loader
// resolves it through the module id in its declaration tag.
#define SAMPLE_EXT_BTF_FUNCTION_NAME "sample_ebpf_extension_btf_lookup"
#define SAMPLE_EXT_BTF_DECL_TAG "module_id:{8f6c1f83-ce4c-4b58-8b91-654a29e23b7c}"
#define SAMPLE_EXT_BTF_MODULE_GUID_INITIALIZER \
    {0x8f6c1f83, 0xce4c, 0x4b58, {0x8b, 0x91, 0x65, 0x4a, 0x29, 0xe2, 0x3b, 0x7c}}
#define SAMPLE_EXT_BTF_DECL_ATTRIBUTES \
    __attribute__((section(".ksyms"))) __attribute__((btf_decl_tag(SAMPLE_EXT_BTF_DECL_TAG)))

extern int
sample_ebpf_extension_btf_lookup(uint64_t key, void* value, uint32_t value_size) SAMPLE_EXT_BTF_DECL_ATTRIBUTES;
