// A bind program that hands each operation to its own program through a tail call: the program array is
// filled in the object itself, so loading it wires the dispatch. Binds are counted per process, and a
// process's count is dropped when it unbinds.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

struct
{
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __type(key, uint64_t);
    __type(value, uint64_t);
    __uint(max_entries, 1024);
} binds_per_process SEC(".maps");

SEC("bind/0")
bind_action_t
OnBind(bind_md_t* ctx)
{
    uint64_t pid = ctx->process_id;
    uint64_t* count = bpf_map_lookup_elem(&binds_per_process, &pid);
    if (count) {
        __sync_fetch_and_add(count, 1);
    } else {
        uint64_t first = 1;
        bpf_map_update_elem(&binds_per_process, &pid, &first, BPF_NOEXIST);
    }
    return BIND_PERMIT;
}

SEC("bind/2")
bind_action_t
OnUnbind(bind_md_t* ctx)
{
    uint64_t pid = ctx->process_id;
    bpf_map_delete_elem(&binds_per_process, &pid);
    return BIND_PERMIT;
}

struct
{
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __type(key, uint32_t);
    __uint(max_entries, 3);
    __array(values, bind_action_t(bind_md_t* ctx));
} handlers SEC(".maps") = {
    .values = {[BIND_OPERATION_BIND] = OnBind, [BIND_OPERATION_UNBIND] = OnUnbind},
};

SEC("bind")
bind_action_t
BindDispatch(bind_md_t* ctx)
{
    bpf_tail_call(ctx, &handlers, ctx->operation);
    // No handler for this operation (post-bind), or the tail call failed.
    return BIND_PERMIT;
}

char LICENSE[] SEC("license") = "MIT";
