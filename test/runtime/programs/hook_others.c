// The sockops flow id, the process image path, and the sample extension's helpers.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>
#include <ebpf_process_hooks.h>
#include <sample_ext_helpers.h>

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint8_t[64]);
    __uint(max_entries, 1);
} image SEC(".maps");

SEC("sockops")
int
FlowId(bpf_sock_ops_t* ctx)
{
    return (int)bpf_sock_ops_get_flow_id(ctx);
}

SEC("process")
int
ImagePath(process_md_t* ctx)
{
    uint32_t zero = 0;
    uint8_t* path = bpf_map_lookup_elem(&image, &zero);
    if (!path)
        return -1;
    return bpf_process_get_image_path(ctx, path, 64);
}

SEC("sample_ext")
int64_t
SampleHelpers(sample_program_context_t* ctx)
{
    char text[12] = "hello world";
    char needle[5] = "worl";
    char patch[3] = "WO";
    switch (ctx->uint16_data) {
    case 0:
        return sample_ebpf_extension_find(text, sizeof(text) - 1, needle, sizeof(needle) - 1);
    case 1:
        if (sample_ebpf_extension_replace(text, sizeof(text), 6, patch, 2) != 0)
            return -1;
        return sample_ebpf_extension_find(text, sizeof(text) - 1, patch, 2);
    case 2:
        return sample_ebpf_extension_helper_implicit_1();
    case 3:
        return sample_ebpf_extension_helper_implicit_2(5);
    default:
        return sample_ebpf_extension_helper_function1(ctx);
    }
}

char LICENSE[] SEC("license") = "MIT";
