// A process hook that refuses to create processes whose command line starts with "curl", and logs every
// creation with bpf_printk.
#include <bpf_helpers.h>
#include <ebpf_process_hooks.h>

SEC("process")
int
DenySpawn(process_md_t* ctx)
{
    if (ctx->operation != PROCESS_OPERATION_CREATE) {
        return 0;
    }
    bpf_printk("create pid %llu", ctx->process_id);
    uint8_t* command = ctx->command_start;
    // "curl" in UTF-16LE: 8 bytes.
    if (command + 8 > ctx->command_end) {
        return 0;
    }
    if (command[0] == 'c' && command[2] == 'u' && command[4] == 'r' && command[6] == 'l') {
        return 1;
    }
    return 0;
}

char LICENSE[] SEC("license") = "MIT";
