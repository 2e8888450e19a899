// bpf_csum_diff from two words to two others, seeded with helper_data_2.
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

SEC("sample_ext")
int64_t
ChecksumDiff(sample_program_context_t* ctx)
{
    uint32_t from[2] = {ctx->uint32_data, 0x01020304};
    uint32_t to[2] = {ctx->helper_data_1, 0x0a0b0c0d};
    return bpf_csum_diff(from, sizeof(from), to, sizeof(to), ctx->helper_data_2);
}

char LICENSE[] SEC("license") = "MIT";
