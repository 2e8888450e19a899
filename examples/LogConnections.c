// A sockops program that reports every IPv4 connection as it is established or deleted, through a perf
// event array (one ring per CPU, read from user space with perf_buffer__poll).
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>
#include <net/ip.h>

typedef struct _connection_event
{
    uint32_t local_ip4;
    uint32_t remote_ip4;
    uint16_t local_port;
    uint16_t remote_port;
    uint8_t protocol;
    uint8_t outbound; // 1 for connections this host opened.
    uint8_t deleted;  // 1 when the connection went away.
    uint8_t reserved;
    uint64_t interface_luid;
} connection_event_t;

struct
{
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(max_entries, 16 * 1024);
} connection_events SEC(".maps");

SEC("sockops")
int
LogConnections(bpf_sock_ops_t* ctx)
{
    if (ctx->family != AF_INET) {
        return 0;
    }
    connection_event_t event = {
        .local_ip4 = ctx->local_ip4,
        .remote_ip4 = ctx->remote_ip4,
        .local_port = (uint16_t)ctx->local_port,
        .remote_port = (uint16_t)ctx->remote_port,
        .protocol = ctx->protocol,
        .outbound = ctx->op == BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB,
        .deleted = ctx->op == BPF_SOCK_OPS_CONNECTION_DELETED_CB,
        .interface_luid = ctx->interface_luid,
    };
    bpf_perf_event_output(ctx, &connection_events, BPF_F_CURRENT_CPU, &event, sizeof(event));
    return 0;
}

char LICENSE[] SEC("license") = "MIT";
