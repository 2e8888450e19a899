// A store below the 512-byte stack frame.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

SEC("bind")
bind_action_t StackBounds(bind_md_t* ctx) {
    uint64_t pid = ctx->process_id;
    asm volatile("*(u64 *)(r10 - 520) = %0" : : "r"(pid) : "memory"); // ERROR: outside the 512-byte stack
    return BIND_PERMIT;
}

char LICENSE[] SEC("license") = "MIT";
