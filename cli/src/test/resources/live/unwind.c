// A call path through Debian's own libc, for the user stack walks: main -> outer -> middle -> qsort (libc, built
// without frame pointers) -> ... -> compare. Built by the tests with -O2 -fomit-frame-pointer, so that no frame of
// the path keeps a frame pointer and only call frame information leads from compare back to main.
// `unwind calls N`: compare makes exactly N getppid(2) calls through libc's wrapper, one per comparison until N.
// `unwind burn MS`: compare spends about MS milliseconds of CPU in all (the comparisons are repeated as needed).
// `unwind clock N`: main -> read_clock, which reads CLOCK_MONOTONIC N times through the vDSO (no system call).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long calls_left;
static double burn_until;
static volatile unsigned long sink;

static double cpu_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

__attribute__((noinline)) static int compare(const void *a, const void *b) {
    if (calls_left > 0) {
        calls_left--;
        sink += getppid();
    }
    if (burn_until > 0) {
        for (int i = 0; i < 200000; i++) {
            sink += i;
        }
    }
    long x = *(const long *) a, y = *(const long *) b;
    return x < y ? -1 : x > y;
}

__attribute__((noinline)) void middle(long *values, size_t n) {
    qsort(values, n, sizeof *values, compare);
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void outer(long *values, size_t n) {
    middle(values, n);
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void read_clock(long n) {
    struct timespec t;
    for (long i = 0; i < n; i++) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        sink += t.tv_nsec;
    }
    __asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv) {
    int burn = argc > 1 && strcmp(argv[1], "burn") == 0;
    long n = argc > 2 ? atol(argv[2]) : 1;
    if (argc > 1 && strcmp(argv[1], "clock") == 0) {
        read_clock(n);
        return 0;
    }
    size_t count = 64;
    long values[64];
    if (burn) {
        burn_until = cpu_ms() + n;
    } else {
        calls_left = n;
    }
    do {
        for (size_t i = 0; i < count; i++) {
            values[i] = (long) ((i * 2654435761u) % 1000);
        }
        outer(values, count);
    } while (calls_left > 0 || burn_until > 0 && cpu_ms() < burn_until);
    return 0;
}
