// The netevent hook (program type 5, section "netevent_monitor", from microsoft/ntosebpfext): network
// events handed to a program, which may push them to the netevent ring buffer.
#pragma once

#include "bpf_helpers.h"

#define PKTMON_CAPTURE_HEADER_CURRENT_VERSION 1

// What data_meta points to: the event's type and version, followed by the event.
typedef struct _netevent_data_header
{
    uint8_t type;
    uint16_t version;
} netevent_data_header_t;

typedef struct _netevent_event_md
{
    uint8_t* data_meta; // The event's header (netevent_data_header_t), the context's meta pointer.
    uint8_t* data;      // The event's data, the context's data pointer.
    uint8_t* data_end;  // One past its end, the data_end pointer.
} netevent_event_md_t;

typedef enum _netevent_capture_type
{
    NeteventCapture_All = 1,
    NeteventCapture_Flow,
    NeteventCapture_Drop,
    NeteventCapture_None,
} netevent_capture_type_t;

// The attach parameter: which events to deliver.
typedef struct _netevent_attach_opts
{
    netevent_capture_type_t capture_type;
} netevent_attach_opts_t;

// Return 0 (STATUS_SUCCESS).
typedef int netevent_event_hook_t(netevent_event_md_t* context);

#define NETEVENT_EXT_HELPER_FN_BASE 0xFFFF

typedef enum
{
    BPF_FUNC_netevent_push_event = NETEVENT_EXT_HELPER_FN_BASE + 1,
} ebpf_netevent_event_helper_id_t;

// Pushes the event to the netevent ring buffer; 0 on success, negative on error.
EBPF_HELPER(int, bpf_netevent_push_event, (netevent_event_md_t* ctx));
#define bpf_netevent_push_event ((bpf_netevent_push_event_t)BPF_FUNC_netevent_push_event)
