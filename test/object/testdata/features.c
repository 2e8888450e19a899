// An object exercising what the loader must read: globals, a legacy map, a subprogram shared by two
// programs, a prog array and a map of maps with initial values.
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

struct bpf_map_def SEC("maps") legacy_map = {.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 16};

struct inner_map
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint32_t);
    __uint(max_entries, 1);
} inner SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
    __uint(max_entries, 2);
    __type(key, uint32_t);
    __array(values, struct inner_map);
} outer SEC(".maps") = {.values = {&inner}};

int callee(sample_program_context_t* ctx);

struct
{
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 4);
    __type(key, uint32_t);
    __array(values, int(sample_program_context_t* ctx));
} programs SEC(".maps") = {.values = {[1] = &callee}};

volatile uint64_t counter = 7;
volatile uint32_t zeroed;
const volatile uint32_t limit = 3;

static __attribute__((noinline)) int shared_helper(int x)
{
    return x * 2 + limit;
}

SEC("sample_ext/0")
int callee(sample_program_context_t* ctx)
{
    return 1;
}

SEC("sample_ext")
int first(sample_program_context_t* ctx)
{
    counter++;
    zeroed = 1;
    bpf_tail_call(ctx, &programs, 1);
    return shared_helper(ctx->uint32_data);
}

SEC("sample_ext")
int second(sample_program_context_t* ctx)
{
    uint32_t key = 0;
    uint64_t* value = bpf_map_lookup_elem(&legacy_map, &key);
    return shared_helper(value ? (int)*value : 0);
}

char LICENSE[] SEC("license") = "MIT";
