// bpf_get_prandom_u32 when uint16_data is 0, bpf_get_smp_processor_id when it is 1.
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

SEC("sample_ext")
int64_t
RandomOrCpu(sample_program_context_t* ctx)
{
    if (ctx->uint16_data == 0)
        return bpf_get_prandom_u32();
    return bpf_get_smp_processor_id();
}

char LICENSE[] SEC("license") = "MIT";
