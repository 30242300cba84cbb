/* readloop COUNT SIZE [NAME]: exactly COUNT read(2) calls of SIZE bytes on /dev/zero, from a thread
 * named NAME (prctl PR_SET_NAME), then prints the number of reads, the elapsed nanoseconds and the
 * nanoseconds of CPU the thread used (user + kernel: the cost a tracer adds to the traced thread shows
 * there even when other processes compete for the CPU). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: readloop COUNT SIZE [NAME]\n");
        return 2;
    }
    long count = atol(argv[1]);
    long size = atol(argv[2]);
    if (count < 0 || size < 1 || size > 1 << 20) {
        fprintf(stderr, "readloop: COUNT must be >= 0 and SIZE between 1 and 1048576\n");
        return 2;
    }
    if (argc == 4 && prctl(PR_SET_NAME, argv[3], 0, 0, 0) != 0) {
        perror("readloop: prctl");
        return 1;
    }
    char *buffer = malloc(size);
    int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
    if (buffer == NULL || fd < 0) {
        perror("readloop: /dev/zero");
        return 1;
    }
    struct timespec start, end, cpuStart, cpuEnd;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpuStart);
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long i = 0; i < count; i++) {
        if (read(fd, buffer, size) != size) {
            perror("readloop: read");
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpuEnd);
    close(fd);
    long long nanos = (end.tv_sec - start.tv_sec) * 1000000000LL + (end.tv_nsec - start.tv_nsec);
    long long cpuNanos = (cpuEnd.tv_sec - cpuStart.tv_sec) * 1000000000LL + (cpuEnd.tv_nsec - cpuStart.tv_nsec);
    printf("%ld %lld %lld\n", count, nanos, cpuNanos);
    return 0;
}
