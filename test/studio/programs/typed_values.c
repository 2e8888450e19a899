// Map types the Studio decodes: a struct value with a char array, a UTF-16LE (wchar) array, an enum, a
// nested struct and an array; and a per-CPU array. The program only exists so the maps carry BTF.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

typedef uint16_t wchar_t16;
enum verdict { VERDICT_ALLOW = 1, VERDICT_BLOCK = 2 };
struct endpoint { uint32_t address; uint16_t port; };
struct record {
    uint32_t count;
    enum verdict verdict;
    char name[16];
    wchar_t16 app[8];
    struct endpoint peer;
    uint16_t ports[3];
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, uint32_t);
    __type(value, struct record);
    __uint(max_entries, 64);
} records SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 4);
} per_cpu SEC(".maps");

SEC("bind")
bind_action_t TypedValues(bind_md_t* ctx) {
    uint32_t key = 0;
    struct record* r = bpf_map_lookup_elem(&records, &key);
    if (r) r->count++;
    uint64_t* c = bpf_map_lookup_elem(&per_cpu, &key);
    if (c) *c += 1;
    return BIND_PERMIT;
}

char LICENSE[] SEC("license") = "MIT";
