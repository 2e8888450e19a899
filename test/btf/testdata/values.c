// A map value with every shape formatValue renders: text, UTF-16 text, a 64-bit count past 2^53, a
// negative number, an enum, a byte array, a nested struct, bitfields and a bool.
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

typedef uint16_t WCHAR;
enum color { RED = 1, GREEN = 2 };

struct record
{
    uint32_t id;
    char name[16];
    WCHAR wide[8];
    int32_t delta;
    uint64_t big;
    enum color color;
    uint8_t address[4];
    struct
    {
        uint16_t port;
        uint16_t family;
    } endpoint;
    unsigned int low : 3;
    int signed_bits : 5;
    bool flag;
};

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, struct record);
    __uint(max_entries, 1);
} records SEC(".maps");

SEC("sample_ext")
int touch(sample_program_context_t* ctx)
{
    uint32_t key = 0;
    struct record* r = bpf_map_lookup_elem(&records, &key);
    return r ? (int)r->id : 0;
}
