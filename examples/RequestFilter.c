// A request filter for a Node HTTP server, run as verified plug-in logic (README: "Plug-ins in a Node
// service"). The server passes the request's path as the context's data and the client's port as
// uint32_data. Paths starting with one of the prefixes in `blocked` are denied (return 1), others allowed
// (return 0); `stats` counts both, and `last_denied` remembers the last denied request.
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

#define MAX_RULES 8
#define MAX_PREFIX 32

typedef struct _rule
{
    char prefix[MAX_PREFIX];
    uint32_t length; // How many bytes of prefix to compare; 0 is an unused rule.
} rule_t;

typedef enum _verdict
{
    ALLOWED = 0,
    DENIED = 1,
} verdict_t;

typedef struct _denied_request
{
    char path[MAX_PREFIX];
    uint32_t client_port;
    uint32_t rule;
} denied_request_t;

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, rule_t);
    __uint(max_entries, MAX_RULES);
} blocked SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, verdict_t);
    __type(value, uint64_t);
    __uint(max_entries, 2);
} stats SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, denied_request_t);
    __uint(max_entries, 1);
} last_denied SEC(".maps");

static void
count(verdict_t verdict)
{
    uint64_t* n = bpf_map_lookup_elem(&stats, &verdict);
    if (n) {
        __sync_fetch_and_add(n, 1);
    }
}

SEC("sample_ext")
int
RequestFilter(sample_program_context_t* ctx)
{
    uint8_t* path = ctx->data_start;
    uint8_t* end = ctx->data_end;

    for (uint32_t i = 0; i < MAX_RULES; i++) {
        rule_t* rule = bpf_map_lookup_elem(&blocked, &i);
        if (!rule || rule->length == 0 || rule->length > MAX_PREFIX) {
            continue;
        }
        uint32_t length = rule->length;
        if (path + length > end) {
            continue;
        }
        if (bpf_memcmp_s(path, length, rule->prefix, length) != 0) {
            continue;
        }
        uint32_t zero = 0;
        denied_request_t* last = bpf_map_lookup_elem(&last_denied, &zero);
        if (last) {
            memcpy(last->path, path, length);
            if (length < MAX_PREFIX) {
                last->path[length] = 0;
            }
            last->client_port = ctx->uint32_data;
            last->rule = i;
        }
        count(DENIED);
        return DENIED;
    }
    count(ALLOWED);
    return ALLOWED;
}

char LICENSE[] SEC("license") = "MIT";
