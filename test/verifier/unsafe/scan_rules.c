// A positive control for scan_rules_off_by_one.c: the shapes clang gives the commonest array scan. The
// loop counter's address is the lookup key, so it lives on the stack as a u32 (a narrow spill the loop
// bound is proven through), and `length == 0 || length > 32` becomes one unsigned compare of length - 33.
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

typedef struct { char prefix[32]; uint32_t length; } rule_t;
typedef struct { char path[32]; } last_t;

struct { __uint(type, BPF_MAP_TYPE_ARRAY); __type(key, uint32_t); __type(value, rule_t); __uint(max_entries, 8); } rules SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __type(key, uint32_t); __type(value, last_t); __uint(max_entries, 1); } last SEC(".maps");

SEC("sample_ext")
int ScanRules(sample_program_context_t* ctx) {
    uint8_t* data = ctx->data_start;
    for (uint32_t i = 0; i < 8; i++) {
        rule_t* rule = bpf_map_lookup_elem(&rules, &i);
        if (!rule || rule->length == 0 || rule->length > 32) continue;
        uint32_t length = rule->length;
        if (data + length > ctx->data_end) continue;
        if (bpf_memcmp_s(data, length, rule->prefix, length) != 0) continue;
        uint32_t zero = 0;
        last_t* l = bpf_map_lookup_elem(&last, &zero);
        if (l) memcpy(l->path, data, length);
        return 1;
    }
    return 0;
}

char LICENSE[] SEC("license") = "MIT";
