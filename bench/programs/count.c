// The counting loop, natively: the physical limit for the interpreter's counting-loop benchmark.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char** argv)
{
    volatile uint64_t iterations = strtoull(argv[1], 0, 10);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    uint64_t r0 = 0;
    for (uint64_t r1 = iterations; r1 != 0; r1--) {
        r0 += 1;
        __asm__ volatile("" : "+r"(r0)); // keep the loop: one add, one sub, one branch per iteration
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    volatile uint64_t sink = r0;
    (void)sink;
    printf("%llu\n", (unsigned long long)((end.tv_sec - start.tv_sec) * 1000000000ULL + (end.tv_nsec - start.tv_nsec)));
    return 0;
}
