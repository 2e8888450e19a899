// What the Studio follows live as a program runs: a per-CPU counter struct (the running CPU's slot counts
// runs and the application id's bytes), one record per run in a ring buffer and in a perf event array
// (struct live_event: the process id, the run number on this CPU, the operation and the application id's
// length), and a bpf_printk line.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

struct counters {
    uint64_t runs;
    uint64_t bytes;
};

struct live_event {
    uint64_t pid;
    uint32_t run;
    uint32_t operation;
    uint64_t app_bytes;
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, uint32_t);
    __type(value, struct counters);
    __uint(max_entries, 2);
} per_cpu_counts SEC(".maps");

// The latest event (which also puts struct live_event in the object's BTF, for the Studio to read records as).
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, struct live_event);
    __uint(max_entries, 1);
} last_event SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 256);
} events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __type(key, uint32_t);
    __type(value, uint32_t);
    __uint(max_entries, 256);
} perf_events SEC(".maps");

SEC("bind")
bind_action_t LiveRecords(bind_md_t* ctx) {
    uint32_t key = 0;
    uint32_t run = 0;
    struct counters* c = bpf_map_lookup_elem(&per_cpu_counts, &key);
    if (c) {
        c->runs += 1;
        c->bytes += ctx->app_id_end - ctx->app_id_start;
        run = (uint32_t)c->runs;
    }
    struct live_event event = {.pid = ctx->process_id, .run = run, .operation = ctx->operation, .app_bytes = ctx->app_id_end - ctx->app_id_start};
    bpf_map_update_elem(&last_event, &key, &event, BPF_ANY);
    bpf_ringbuf_output(&events, &event, sizeof(event), 0);
    bpf_perf_event_output(ctx, &perf_events, EBPF_MAP_FLAG_CURRENT_CPU, &event, sizeof(event));
    bpf_printk("bind by %llu, run %u", ctx->process_id, run);
    return BIND_PERMIT;
}

char LICENSE[] SEC("license") = "MIT";
