// The four clocks, read in one run into one value: boot ns, ns, boot ms, ms.
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

typedef struct
{
    uint64_t boot_ns;
    uint64_t ns;
    uint64_t boot_ms;
    uint64_t ms;
} clocks_t;

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, clocks_t);
    __uint(max_entries, 2);
} readings SEC(".maps");

SEC("sample_ext")
int64_t
ReadClocks(sample_program_context_t* ctx)
{
    uint32_t slot = ctx->uint32_data;
    clocks_t* c = bpf_map_lookup_elem(&readings, &slot);
    if (!c)
        return -1;
    c->boot_ns = bpf_ktime_get_boot_ns();
    c->ns = bpf_ktime_get_ns();
    c->boot_ms = bpf_ktime_get_boot_ms();
    c->ms = bpf_ktime_get_ms();
    return 0;
}

char LICENSE[] SEC("license") = "MIT";
