// A connect4 program that redirects to port 8081 with a redirect context, after reading the network context.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

SEC("cgroup/connect4")
int
Redirect(bpf_sock_addr_t* ctx)
{
    bpf_sock_addr_network_context_t network = {0};
    if (bpf_sock_addr_get_network_context(ctx, &network, sizeof(network)) != 0)
        return BPF_SOCK_ADDR_VERDICT_REJECT;
    if (network.version != BPF_SOCK_ADDR_NETWORK_CONTEXT_VERSION)
        return BPF_SOCK_ADDR_VERDICT_REJECT;
    char tag[6] = "proxy";
    if (bpf_sock_addr_set_redirect_context(ctx, tag, sizeof(tag)) != 0)
        return BPF_SOCK_ADDR_VERDICT_REJECT;
    ctx->user_port = __builtin_bswap16(8081);
    return BPF_SOCK_ADDR_VERDICT_PROCEED_HARD;
}

char LICENSE[] SEC("license") = "MIT";
