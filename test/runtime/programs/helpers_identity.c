// The identity helpers, read by a bind program into one value.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

typedef struct
{
    uint64_t pid_tgid;
    uint64_t logon_id;
    int64_t is_admin;
    uint64_t process_start_key;
    int64_t thread_create_time;
} identity_t;

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, identity_t);
    __uint(max_entries, 1);
} who SEC(".maps");

SEC("bind")
bind_action_t
Identify(bind_md_t* ctx)
{
    uint32_t zero = 0;
    identity_t* id = bpf_map_lookup_elem(&who, &zero);
    if (!id)
        return BIND_PERMIT;
    id->pid_tgid = bpf_get_current_pid_tgid();
    id->logon_id = bpf_get_current_logon_id(ctx);
    id->is_admin = bpf_is_current_admin(ctx);
    id->process_start_key = bpf_get_current_process_start_key();
    id->thread_create_time = bpf_get_current_thread_create_time();
    return BIND_PERMIT;
}

char LICENSE[] SEC("license") = "MIT";
