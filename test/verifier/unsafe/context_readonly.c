// A write to a context field the bind hook does not let programs change.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

SEC("bind")
bind_action_t ContextReadOnly(bind_md_t* ctx) {
    ctx->process_id = 4; // ERROR: read-only
    return BIND_PERMIT;
}

char LICENSE[] SEC("license") = "MIT";
