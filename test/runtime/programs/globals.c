// Global variables: .data, .rodata and .bss become array maps of one value.
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

volatile uint32_t counter = 5;          // .data
const volatile uint32_t increment = 3;  // .rodata: frozen after load
volatile uint64_t last_seen;            // .bss

SEC("sample_ext")
int64_t
Globals(sample_program_context_t* ctx)
{
    counter += increment;
    last_seen = ctx->uint32_data;
    return counter;
}

char LICENSE[] SEC("license") = "MIT";
