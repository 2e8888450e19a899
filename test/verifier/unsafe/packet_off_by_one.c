// An XDP program that checks 14 bytes and reads the 15th.
#include <bpf_helpers.h>
#include <xdp_hooks.h>

SEC("xdp")
int PacketOffByOne(xdp_md_t* ctx) {
    uint8_t* data = ctx->data;
    uint8_t* end = ctx->data_end;
    if (data + 14 > end) {
        return XDP_PASS;
    }
    if (data[14] == 0x45) { // ERROR: not proven to be inside the data
        return XDP_DROP;
    }
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "MIT";
