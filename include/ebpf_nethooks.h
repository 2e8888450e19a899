// Contexts, verdicts and hook-specific helpers of the network hooks: bind, cgroup sock_addr
// (connect, recv_accept, connect_authorization, bind, listen; v4 and v6) and sock_ops.
#pragma once

#include "ebpf_structs.h"

#ifndef EBPF_HELPER
#define EBPF_HELPER(return_type, name, args) typedef return_type(*const name##_t) args
#endif

// ---- BIND (program type 2, section "bind") ----

typedef enum _bind_operation
{
    BIND_OPERATION_BIND,      // Entry to bind.
    BIND_OPERATION_POST_BIND, // After port allocation.
    BIND_OPERATION_UNBIND,    // Release port.
} bind_operation_t;

typedef struct _bind_md
{
    uint8_t* app_id_start;           // Start of the application id (UTF-16LE), the context's data pointer.
    uint8_t* app_id_end;             // End of the application id, the context's data_end pointer.
    uint64_t process_id;
    uint8_t socket_address[16];      // Address to bind to.
    uint8_t socket_address_length;
    bind_operation_t operation;
    uint8_t protocol;                // IPPROTO_TCP, IPPROTO_UDP, ...
} bind_md_t;

typedef enum _bind_action
{
    BIND_PERMIT_SOFT, // Allow; lower-priority filters may still decide.
    BIND_DENY,
    BIND_REDIRECT,    // The program may have rewritten socket_address.
    BIND_PERMIT_HARD, // Allow; lower-priority filters cannot override.
    BIND_PERMIT = BIND_PERMIT_SOFT,
} bind_action_t;

typedef bind_action_t bind_hook_t(bind_md_t* context);

// ---- CGROUP_SOCK_ADDR (program type 3, sections "cgroup/connect4" ... "cgroup/listen6") ----

typedef struct bpf_sock_addr
{
    uint32_t family; // AF_INET or AF_INET6.
    union
    {
        uint32_t msg_src_ip4; // Source address, network byte order: local for ingress, remote for egress.
        uint32_t msg_src_ip6[4];
    };
    uint16_t msg_src_port; // Network byte order.
    union
    {
        uint32_t user_ip4; // Destination address, network byte order: local for egress, remote for ingress.
        uint32_t user_ip6[4];
    };
    uint16_t user_port;      // Network byte order.
    uint32_t protocol;       // IP protocol.
    uint32_t compartment_id; // Network compartment.
    uint64_t interface_luid;
} bpf_sock_addr_t;

typedef enum _ebpf_sock_addr_verdict
{
    BPF_SOCK_ADDR_VERDICT_REJECT,        // Hard block. Any value not listed here is treated as REJECT too.
    BPF_SOCK_ADDR_VERDICT_PROCEED_SOFT,  // Soft permit.
    BPF_SOCK_ADDR_VERDICT_PROCEED_HARD,  // Hard permit.
} ebpf_sock_addr_verdict_t;

typedef ebpf_sock_addr_verdict_t sock_addr_hook_t(bpf_sock_addr_t* context);

#define BPF_SOCK_ADDR_NETWORK_CONTEXT_VERSION 1

typedef struct _bpf_sock_addr_network_context
{
    uint32_t version;        // BPF_SOCK_ADDR_NETWORK_CONTEXT_VERSION.
    uint32_t interface_type; // IANA interface type, or UINT32_MAX.
    uint32_t tunnel_type;    // 0 when not a tunnel, UINT32_MAX when not applicable.
    uint64_t next_hop_interface_luid;
    uint32_t sub_interface_index;
} bpf_sock_addr_network_context_t;

// What a test run of a sock_addr program takes as its context: the hook's context and the network
// context bpf_sock_addr_get_network_context reports.
typedef ebpf_extension_header_t bpf_sock_addr_test_context_header_t;

typedef struct _bpf_sock_addr_test_context
{
    bpf_sock_addr_test_context_header_t header;
    bpf_sock_addr_t context;
    bpf_sock_addr_network_context_t network_context;
} bpf_sock_addr_test_context_t;

#define BPF_SOCK_ADDR_TEST_CONTEXT_VERSION 1
#define BPF_SOCK_ADDR_TEST_CONTEXT_VERSION_SIZE EBPF_SIZE_INCLUDING_FIELD(bpf_sock_addr_test_context_t, network_context)
#define BPF_SOCK_ADDR_TEST_CONTEXT_VERSION_TOTAL_SIZE sizeof(bpf_sock_addr_test_context_t)
#define BPF_SOCK_ADDR_TEST_CONTEXT_HEADER_VERSION \
    {BPF_SOCK_ADDR_TEST_CONTEXT_VERSION, BPF_SOCK_ADDR_TEST_CONTEXT_VERSION_SIZE, BPF_SOCK_ADDR_TEST_CONTEXT_VERSION_TOTAL_SIZE}

#define SOCK_ADDR_EXT_HELPER_FN_BASE 0xFFFF

typedef enum
{
    BPF_FUNC_sock_addr_get_current_pid_tgid = SOCK_ADDR_EXT_HELPER_FN_BASE + 1,
    BPF_FUNC_sock_addr_set_redirect_context = SOCK_ADDR_EXT_HELPER_FN_BASE + 2,
    BPF_FUNC_sock_addr_get_network_context = SOCK_ADDR_EXT_HELPER_FN_BASE + 3,
} ebpf_sock_addr_helper_id_t;

// Attaches data to a redirected connection (not for recv_accept hooks).
EBPF_HELPER(int, bpf_sock_addr_set_redirect_context, (bpf_sock_addr_t* ctx, void* data, uint32_t data_size));
#define bpf_sock_addr_set_redirect_context \
    ((bpf_sock_addr_set_redirect_context_t)BPF_FUNC_sock_addr_set_redirect_context)

// Fills a bpf_sock_addr_network_context_t (connect_authorization, recv_accept, bind and listen hooks).
EBPF_HELPER(int, bpf_sock_addr_get_network_context, (bpf_sock_addr_t* ctx, void* context_ptr, uint32_t context_size));
#define bpf_sock_addr_get_network_context \
    ((bpf_sock_addr_get_network_context_t)BPF_FUNC_sock_addr_get_network_context)

// ---- SOCK_OPS (program type 4, section "sockops") ----

typedef enum _bpf_sock_op_type
{
    BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB,  // Outbound connection established.
    BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB, // Inbound connection established.
    BPF_SOCK_OPS_CONNECTION_DELETED_CB,  // Connection deleted.
} bpf_sock_op_type_t;

typedef struct _bpf_sock_ops
{
    bpf_sock_op_type_t op;
    uint32_t family;
    union
    {
        uint32_t local_ip4; // Network byte order.
        uint32_t local_ip6[4];
    };
    uint32_t local_port; // Network byte order.
    union
    {
        uint32_t remote_ip4;
        uint32_t remote_ip6[4];
    };
    uint32_t remote_port;
    uint8_t protocol;
    uint32_t compartment_id;
    uint64_t interface_luid;
} bpf_sock_ops_t;

typedef int sock_ops_hook_t(bpf_sock_ops_t* context);

#define SOCK_OPS_EXT_HELPER_FN_BASE 0xFFFF

typedef enum
{
    BPF_FUNC_sock_ops_get_flow_id = SOCK_OPS_EXT_HELPER_FN_BASE + 1,
} ebpf_sock_ops_helper_id_t;

// The connection's flow id.
EBPF_HELPER(uint64_t, bpf_sock_ops_get_flow_id, (bpf_sock_ops_t* ctx));
#define bpf_sock_ops_get_flow_id ((bpf_sock_ops_get_flow_id_t)BPF_FUNC_sock_ops_get_flow_id)
