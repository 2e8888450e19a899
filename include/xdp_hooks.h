// The XDP hook (program type 1, section "xdp"): the packet context, its verdicts (eBPF for Windows numbering:
// XDP_PASS is 1, not Linux's 2; XDP_REDIRECT is XDP-for-Windows'), and bpf_xdp_adjust_head.
#pragma once

#include "bpf_helpers.h"

typedef struct xdp_md
{
    void* data;               // Start of the packet.
    void* data_end;           // One past its end.
    uint64_t data_meta;       // Metadata in front of the packet.
    uint32_t ingress_ifindex; // Interface the packet arrived on.
} xdp_md_t;

typedef enum _xdp_action
{
    XDP_PASS = 1,
    XDP_DROP = 2,
    XDP_TX = 3,
    XDP_REDIRECT = 4,
} xdp_action_t;

typedef xdp_action_t xdp_hook_t(xdp_md_t* context);

#define XDP_EXT_HELPER_FN_BASE 0xFFFF
#define XDP_EXT_HELPER_FUNCTION_START EBPF_MAX_GENERAL_HELPER_FUNCTION

typedef enum
{
    BPF_FUNC_xdp_adjust_head = XDP_EXT_HELPER_FN_BASE + 1,
} ebpf_xdp_helper_id_t;

// Moves the start of the packet by delta bytes (negative grows it); 0 on success, negative on error.
EBPF_HELPER(int, bpf_xdp_adjust_head, (xdp_md_t* ctx, int delta));
#define bpf_xdp_adjust_head ((bpf_xdp_adjust_head_t)BPF_FUNC_xdp_adjust_head)
