// Known call paths for the stack tests. `stacks calls N`: main -> hot_a -> hot_b -> leaf, which makes N getppid(2)
// system calls with its own syscall instruction (no libc wrapper, so the innermost user frame is leaf itself).
// `stacks burn MS [FILE]`: spends about MS milliseconds of CPU, two thirds in main -> hot_a -> spin and one third in
// main -> hot_b -> spin, then writes the CPU milliseconds it used in all to FILE.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long raw_getppid(void) {
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(110L) : "rcx", "r11", "memory");
    return r;
}

__attribute__((noinline)) void leaf(long n) {
    for (long i = 0; i < n; i++) {
        raw_getppid();
    }
    __asm__ volatile("" ::: "memory");
}

static double cpu_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static volatile unsigned long sink;

/* Burns CPU until the process has used `until` ms of it. */
__attribute__((noinline)) void spin(double until) {
    while (cpu_ms() < until) {
        for (int i = 0; i < 20000; i++) {
            sink += i;
        }
    }
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void hot_b(int burn, long n) {
    if (burn) {
        spin(cpu_ms() + n);
    } else {
        leaf(n);
    }
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void hot_a(int burn, long n) {
    if (burn) {
        spin(cpu_ms() + 2 * n);
    } else {
        hot_b(burn, n);
    }
    __asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv) {
    int burn = argc > 1 && strcmp(argv[1], "burn") == 0;
    long n = argc > 2 ? atol(argv[2]) : 1;
    if (burn) {
        hot_a(1, n / 3);
        hot_b(1, n / 3);
        if (argc > 3) {
            FILE *f = fopen(argv[3], "w");
            if (f) {
                fprintf(f, "%.3f\n", cpu_ms());
                fclose(f);
            }
        }
    } else {
        hot_a(0, n);
    }
    return 0;
}
