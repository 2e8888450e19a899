// bpf_xdp_adjust_head by the delta in ingress_ifindex: a grown head gets 0xab bytes; drops when it fails.
#include <bpf_helpers.h>
#include <xdp_hooks.h>

SEC("xdp")
xdp_action_t
AdjustHead(xdp_md_t* ctx)
{
    int delta = (int)ctx->ingress_ifindex;
    if (bpf_xdp_adjust_head(ctx, delta) != 0)
        return XDP_DROP;
    uint8_t* data = (uint8_t*)(uintptr_t)ctx->data;
    uint8_t* end = (uint8_t*)(uintptr_t)ctx->data_end;
    if (delta < 0 && data + 4 <= end) {
        data[0] = 0xab;
        data[1] = 0xab;
        data[2] = 0xab;
        data[3] = 0xab;
    }
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "MIT";
