// bpf_printk takes a format and up to three values; each count selects its own helper (12-15), because
// every helper has a fixed prototype the verifier can check.
#include <bpf_helpers.h>

SEC("bind")
int
printk_arity(void* ctx)
{
    bpf_printk("no values");
    bpf_printk("one %u", 1);
    bpf_printk("two %u %u", 1, 2);
    bpf_printk("three %u %u %u", 1, 2, 3);
    return 0;
}
