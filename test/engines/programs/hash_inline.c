// Map lookups the JIT compiles inline (plain hash maps with 3-, 4-, 13- and 64-byte keys, an array whose
// keys run past its end) next to one it leaves to the runtime (LRU), driven by the packet: up to four 16-byte records { op, map, selector, -,
// key material[12] }. op % 3: 0 lookup (and bump the value through the pointer), 1 update, 2 delete.
// Each map's arithmetic differs (M), so clang cannot merge the call sites of different maps into one.
// The first byte of the packet is bumped on every run, so repeated runs do different things.
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

struct k3 { uint8_t b[3]; };
struct k13 { uint8_t b[13]; };
struct k64 { uint8_t b[64]; };

struct { __uint(type, BPF_MAP_TYPE_HASH); __type(key, uint32_t); __type(value, uint64_t); __uint(max_entries, 4096); } small SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __type(key, uint32_t); __type(value, uint64_t); __uint(max_entries, 16); } tiny SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __type(key, struct k3); __type(value, uint64_t); __uint(max_entries, 4096); } three SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __type(key, struct k13); __type(value, uint64_t); __uint(max_entries, 4096); } thirteen SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __type(key, struct k64); __type(value, uint64_t); __uint(max_entries, 4096); } wide SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __type(key, uint32_t); __type(value, uint64_t); __uint(max_entries, 8); } lru SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __type(key, uint32_t); __type(value, uint64_t); __uint(max_entries, 100); } arr SEC(".maps");

#define OP(map, keyp, M)                                                \
    do {                                                                \
        if (op == 0) {                                                  \
            uint64_t* v = bpf_map_lookup_elem(&map, keyp);              \
            if (v) {                                                    \
                acc = acc * M + *v;                                     \
                *v += 1;                                                \
            } else {                                                    \
                acc = acc * M + 7;                                      \
            }                                                           \
        } else if (op == 1) {                                           \
            uint64_t val = acc + i;                                     \
            acc = acc * (M + 2) + bpf_map_update_elem(&map, keyp, &val, 0); \
        } else {                                                        \
            acc = acc * (M + 4) + bpf_map_delete_elem(&map, keyp);        \
        }                                                               \
    } while (0)

SEC("sample_ext")
int64_t
HashInline(sample_program_context_t* ctx)
{
    uint8_t* data = ctx->data_start;
    uint8_t* end = ctx->data_end;
    uint64_t acc = 1;
    if (data + 1 > end)
        return -1;
    data[0] += 1;
#pragma unroll
    for (int i = 0; i < 4; i++) {
        uint8_t* rec = data + i * 16;
        if (rec + 16 > end)
            break;
        uint8_t op = rec[0] % 3;
        switch (rec[1] % 7) {
        case 0: {
            uint32_t k = *(uint32_t*)(rec + 4) & 63;
            OP(small, &k, 31);
            break;
        }
        case 1: {
            uint32_t k = *(uint32_t*)(rec + 4) & 31;
            OP(tiny, &k, 37);
            break;
        }
        case 2: {
            struct k3 k = {{rec[4] & 7, rec[5] & 7, rec[6] & 1}};
            OP(three, &k, 41);
            break;
        }
        case 3: {
            struct k13 k = {};
            k.b[0] = rec[4] & 15;
            k.b[12] = rec[5] & 3;
            OP(thirteen, &k, 43);
            break;
        }
        case 4: {
            struct k64 k = {};
            k.b[0] = rec[4] & 7;
            k.b[63] = rec[5] & 7;
            OP(wide, &k, 47);
            break;
        }
        case 5: {
            uint32_t k = *(uint32_t*)(rec + 4) & 15;
            OP(lru, &k, 53);
            break;
        }
        default: {
            uint32_t k = *(uint32_t*)(rec + 4) & 127;
            OP(arr, &k, 59);
            break;
        }
        }
    }
    return (int64_t)acc;
}

// A lookup of the 13-byte key at the start of the packet: for keys of the same hash.
SEC("sample_ext")
int64_t
LookupThirteen(sample_program_context_t* ctx)
{
    struct k13* k = (struct k13*)ctx->data_start;
    if ((uint8_t*)(k + 1) > ctx->data_end)
        return -2;
    uint64_t* v = bpf_map_lookup_elem(&thirteen, k);
    return v ? (int64_t)*v : -1;
}

char LICENSE[] SEC("license") = "MIT";
