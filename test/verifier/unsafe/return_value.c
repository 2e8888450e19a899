// A bind program returning a value outside bind_action_t (0..3).
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

SEC("bind")
int ReturnValue(bind_md_t* ctx) {
    if (ctx->protocol == 17) {
        return 9; // ERROR
    }
    return BIND_PERMIT;
}

char LICENSE[] SEC("license") = "MIT";
