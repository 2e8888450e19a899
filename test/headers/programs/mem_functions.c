// The C library's memory functions, as programs call them: each must become its helper (22-25) with the
// size repeated for both buffers, and memset's value and size swapped into bpf_memset's order.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

SEC("bind")
int
mem_functions(bind_md_t* ctx)
{
    char buffer[64];
    uint64_t length = ctx->app_id_end - ctx->app_id_start;
    if (length > sizeof(buffer)) {
        length = sizeof(buffer);
    }
    memcpy(buffer, ctx->app_id_start, length);
    int same = memcmp(buffer, ctx->app_id_start, length);
    memset(buffer, 0x5a, length);
    memmove(buffer, buffer + 1, length - 1);
    memcpy_s(buffer, sizeof(buffer), ctx->app_id_start, length);
    memmove_s(buffer, sizeof(buffer), buffer + 2, length);
    return same;
}
