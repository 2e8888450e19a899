// Tail calls through a program array. Chain counts its runs and tail-calls itself: the first run plus 33
// tail calls, and the 34th call fails, so that run goes on and returns 7. Dispatch tail-calls the program at
// index uint32_data and returns 100 + the helper's result when that fails (an empty or missing slot).
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint32_t);
    __uint(max_entries, 2);
} runs SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __type(key, uint32_t);
    __type(value, uint32_t);
    __uint(max_entries, 4);
} programs SEC(".maps");

static void
count(uint32_t slot)
{
    uint32_t* n = bpf_map_lookup_elem(&runs, &slot);
    if (n)
        *n += 1;
}

SEC("sample_ext/0")
int64_t
Chain(sample_program_context_t* ctx)
{
    count(0);
    bpf_tail_call(ctx, &programs, 0);
    return 7;
}

SEC("sample_ext/1")
int64_t
Callee(sample_program_context_t* ctx)
{
    count(1);
    return 42;
}

SEC("sample_ext")
int64_t
Dispatch(sample_program_context_t* ctx)
{
    int64_t result = bpf_tail_call(ctx, &programs, ctx->uint32_data);
    // Reached only when the tail call failed: a caller never continues after one that succeeded.
    count(1);
    count(1);
    return 100 + result;
}

char LICENSE[] SEC("license") = "MIT";
