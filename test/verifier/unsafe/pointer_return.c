// The context's address returned to the hook: a kernel pointer leaked as a verdict.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

SEC("bind")
long PointerReturn(bind_md_t* ctx) {
    asm volatile("" ::: "memory");
    return (long)ctx; // ERROR: must hold a number at exit
}

char LICENSE[] SEC("license") = "MIT";
