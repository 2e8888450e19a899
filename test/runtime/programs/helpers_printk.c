// bpf_printk with no argument and with one, two and three (trace_printk2 to trace_printk5).
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

SEC("sample_ext")
int64_t
Print(sample_program_context_t* ctx)
{
    bpf_printk("hello");
    bpf_printk("one %d", (int32_t)ctx->uint32_data);
    bpf_printk("two %u 0x%x", ctx->helper_data_1, ctx->helper_data_2);
    bpf_printk("three %d %lld %c", 1, (int64_t)-2, 'z');
    return 0;
}

char LICENSE[] SEC("license") = "MIT";
