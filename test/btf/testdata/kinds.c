// Types that make clang emit the BTF kinds the corpus lacks: FLOAT, ENUM64, TYPE_TAG, DECL_TAG, and
// CO-RE relocation records.
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

enum big : uint64_t { SMALL = 1, HUGE = 0x123456789abcdef0ULL };

struct tagged
{
    int __attribute__((btf_decl_tag("field-tag"))) counter;
    int __attribute__((btf_type_tag("user")))* pointer;
    double ratio;
    float scale;
    enum big size;
    int bits : 3;
} __attribute__((preserve_access_index));

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, struct tagged);
    __uint(max_entries, 1);
} values SEC(".maps");

SEC("sample_ext")
int __attribute__((btf_decl_tag("function-tag"))) kinds(sample_program_context_t* ctx)
{
    uint32_t key = 0;
    struct tagged* value = bpf_map_lookup_elem(&values, &key);
    if (!value) return 0;
    return value->counter + (int)value->size;
}
