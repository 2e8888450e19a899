// Arithmetic other than adding or subtracting a number, on a pointer.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

SEC("bind")
bind_action_t PointerMultiply(bind_md_t* ctx) {
    uint64_t address = (uint64_t)ctx;
    asm volatile("" : "+r"(address));
    address *= 3; // ERROR: not allowed
    asm volatile("" : "+r"(address));
    return (bind_action_t)(address & 1);
}

char LICENSE[] SEC("license") = "MIT";
