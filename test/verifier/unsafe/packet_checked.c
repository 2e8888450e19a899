// Positive control: packet_off_by_one.c with the bounds check it needs.
#include <bpf_helpers.h>
#include <xdp_hooks.h>

SEC("xdp")
int PacketChecked(xdp_md_t* ctx) {
    uint8_t* data = ctx->data;
    uint8_t* end = ctx->data_end;
    if (data + 15 > end) {
        return XDP_PASS;
    }
    if (data[14] == 0x45) {
        return XDP_DROP;
    }
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "MIT";
