// A loop whose bound comes from the context with no cap: the program need not terminate in time.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

SEC("bind")
bind_action_t UnboundedLoop(bind_md_t* ctx) {
    volatile uint64_t steps = 0;
    uint64_t limit = ctx->process_id;
    for (uint64_t i = 0; i < limit; i++) { // ERROR
        steps = steps + 1;
    }
    return BIND_PERMIT;
}

char LICENSE[] SEC("license") = "MIT";
