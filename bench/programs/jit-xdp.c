// The XDP and map benchmarks of the JIT issue, in plain C so one source builds for our platform and for
// the Linux kernel (-DLINUX): the context layouts differ (Linux's xdp_md holds 32-bit offsets), the map
// helpers (1 lookup, 2 update) and BPF_MAP_TYPE_HASH (1) do not.
#define SEC(name) __attribute__((section(name), used))
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

#ifdef LINUX
struct xdp_md { u32 data; u32 data_end; u32 data_meta; u32 ingress_ifindex; u32 rx_queue_index; };
#define DATA(ctx) ((u8*)(long)(ctx)->data)
#define DATA_END(ctx) ((u8*)(long)(ctx)->data_end)
#else
struct xdp_md { void* data; void* data_end; u64 data_meta; u32 ingress_ifindex; };
#define DATA(ctx) ((u8*)(ctx)->data)
#define DATA_END(ctx) ((u8*)(ctx)->data_end)
#endif

static void* (*map_lookup)(void* map, const void* key) = (void*)1;
static long (*map_update)(void* map, const void* key, const void* value, u64 flags) = (void*)2;

struct {
    int (*type)[1];
    u32* key;
    u64* value;
    int (*max_entries)[1024];
} flows SEC(".maps");

struct eth { u8 dst[6]; u8 src[6]; u16 type; };
struct ipv4 { u8 vihl; u8 tos; u16 len; u16 id; u16 frag; u8 ttl; u8 proto; u16 csum; u32 src; u32 dst; };
struct udp { u16 sport; u16 dport; u16 len; u16 csum; };

SEC("xdp")
int parse_udp(struct xdp_md* ctx)
{
    u8* data = DATA(ctx);
    u8* end = DATA_END(ctx);
    struct eth* e = (struct eth*)data;
    if ((u8*)(e + 1) > end || e->type != __builtin_bswap16(0x0800)) return 2;
    struct ipv4* ip = (struct ipv4*)(e + 1);
    if ((u8*)(ip + 1) > end || ip->proto != 17) return 2;
    struct udp* u = (struct udp*)(ip + 1);
    if ((u8*)(u + 1) > end) return 1;
    return u->dport == __builtin_bswap16(9999) ? 1 : 2;
}

SEC("xdp")
int count_flow(struct xdp_md* ctx)
{
    u8* data = DATA(ctx);
    u8* end = DATA_END(ctx);
    if (data + 34 > end) return 2;
    u32 key = *(u32*)(data + 26) & 1023; // IPv4 source address, folded
    u64* seen = map_lookup(&flows, &key);
    if (seen) {
        *seen += 1;
    } else {
        u64 one = 1;
        map_update(&flows, &key, &one, 0);
    }
    return 2;
}

char LICENSE[] SEC("license") = "GPL";
