// A fixed amount of CPU work: `burn N` runs N rounds of an arithmetic loop and prints the wall nanoseconds it took.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile unsigned long sink;

int main(int argc, char **argv) {
    long rounds = argc > 1 ? atol(argv[1]) : 1000;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    unsigned long s = 0;
    for (long r = 0; r < rounds; r++) {
        for (int i = 0; i < 100000; i++) {
            s = s * 6364136223846793005UL + i;
        }
        sink = s;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%ld\n", (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec));
    return 0;
}
