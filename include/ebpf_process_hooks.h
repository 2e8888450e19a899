// The process hook (program type 6, section "process"): process creation and exit.
#pragma once

#include "bpf_helpers.h"

typedef enum _process_operation
{
    PROCESS_OPERATION_CREATE,
    PROCESS_OPERATION_DELETE,
} process_operation_t;

typedef struct _process_md
{
    uint8_t* command_start; // The command line, the context's data pointer.
    uint8_t* command_end;   // End of the command line, the data_end pointer.
    uint64_t process_id;
    uint64_t parent_process_id;
    uint64_t creating_process_id;
    uint64_t creating_thread_id;
    process_operation_t operation;
} process_md_t;

// Return 0 to permit a process creation, anything else to refuse it (ignored for DELETE).
typedef int process_hook_t(process_md_t* context);

#define PROCESS_EXT_HELPER_FN_BASE 0xFFFF

typedef enum
{
    BPF_FUNC_process_get_image_path = PROCESS_EXT_HELPER_FN_BASE + 1,
} ebpf_process_helper_id_t;

// Copies the process's image path into path; the path's length on success, negative on error.
EBPF_HELPER(int, bpf_process_get_image_path, (process_md_t* ctx, uint8_t* path, uint32_t path_length));
#define bpf_process_get_image_path ((bpf_process_get_image_path_t)BPF_FUNC_process_get_image_path)
