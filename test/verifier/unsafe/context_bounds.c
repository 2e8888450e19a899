// A read just past the end of the bind context (56 bytes).
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

SEC("bind")
bind_action_t ContextBounds(bind_md_t* ctx) {
    uint64_t beyond = *(volatile uint64_t*)((uint8_t*)ctx + sizeof(bind_md_t)); // ERROR: context
    return (bind_action_t)(beyond & 1);
}

char LICENSE[] SEC("license") = "MIT";
