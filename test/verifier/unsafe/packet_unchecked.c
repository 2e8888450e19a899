// An XDP program that reads the packet without comparing against data_end first.
#include <bpf_helpers.h>
#include <xdp_hooks.h>

SEC("xdp")
int PacketUnchecked(xdp_md_t* ctx) {
    uint8_t* data = ctx->data;
    if (data[12] == 0x08) { // ERROR: not proven to be inside the data
        return XDP_DROP;
    }
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "MIT";
