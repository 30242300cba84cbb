// Known function calls for the uprobe tests, built -O2 (no frame pointers). `uprobes N`: calls
// target_add(i, 2i) and target_mul(i, 3) for i = 1..N, then getppid(2) through libc N times, prints the sum.
// `uprobes N wait`: the same after a line is read from standard input.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline)) long target_add(long a, long b) {
    __asm__ volatile("");
    return a + b;
}

__attribute__((noinline)) long target_mul(long a, long b) {
    __asm__ volatile("");
    return a * b;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 10;
    long s = 0;
    if (argc > 2 && strcmp(argv[2], "wait") == 0) {
        char line[8];
        if (!fgets(line, sizeof line, stdin)) {
            return 1;
        }
    }
    for (long i = 1; i <= n; i++) {
        s += target_add(i, 2 * i);
        s += target_mul(i, 3);
    }
    for (long i = 0; i < n; i++) {
        s += getppid();
    }
    printf("%ld\n", s);
    return 0;
}
