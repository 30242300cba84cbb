/* rawconsumer CATEGORY/EVENT [RING_PAGES]: the least any tool can do that ships every tracepoint firing to
 * user space. Opens the tracepoint on every online CPU with the attributes safetap uses (raw record,
 * identifier, tid, time, cpu; CLOCK_MONOTONIC; wakeup watermark at a quarter of the ring), maps one ring
 * per CPU, and drains the rings with poll(2) until SIGINT or SIGTERM, counting the samples. Prints
 * "attached" once enabled, and at exit "samples N lost M" on stdout. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_CPUS 256

static volatile sig_atomic_t stop;

static void on_signal(int signal) {
    (void) signal;
    stop = 1;
}

static int tracepoint_id(const char *name) {
    char path[512];
    snprintf(path, sizeof path, "/sys/kernel/tracing/events/%s/id", name);
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        fprintf(stderr, "rawconsumer: %s: %s (is tracefs mounted at /sys/kernel/tracing?)\n", path,
                strerror(errno));
        exit(1);
    }
    int id = -1;
    if (fscanf(file, "%d", &id) != 1) {
        fprintf(stderr, "rawconsumer: cannot read %s\n", path);
        exit(1);
    }
    fclose(file);
    return id;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: rawconsumer CATEGORY/EVENT [RING_PAGES]\n");
        return 2;
    }
    long pages = argc == 3 ? atol(argv[2]) : 256;
    long page = sysconf(_SC_PAGESIZE);
    int cpus = (int) sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus > MAX_CPUS || pages < 1 || (pages & (pages - 1)) != 0) {
        fprintf(stderr, "rawconsumer: RING_PAGES must be a power of two; at most %d cpus\n", MAX_CPUS);
        return 2;
    }
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_TRACEPOINT;
    attr.config = tracepoint_id(argv[1]);
    attr.sample_period = 1;
    attr.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU
            | PERF_SAMPLE_RAW;
    attr.disabled = 1;
    attr.watermark = 1;
    attr.wakeup_watermark = (unsigned) (pages * page / 4);
    attr.sample_id_all = 1;
    attr.use_clockid = 1;
    attr.clockid = CLOCK_MONOTONIC;

    int fds[MAX_CPUS];
    struct perf_event_mmap_page *rings[MAX_CPUS];
    struct pollfd polls[MAX_CPUS];
    size_t mapped = (size_t) (pages + 1) * page;
    for (int cpu = 0; cpu < cpus; cpu++) {
        fds[cpu] = (int) syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
        if (fds[cpu] < 0) {
            fprintf(stderr, "rawconsumer: perf_event_open on cpu %d: %s\n", cpu, strerror(errno));
            return 1;
        }
        rings[cpu] = mmap(NULL, mapped, PROT_READ | PROT_WRITE, MAP_SHARED, fds[cpu], 0);
        if (rings[cpu] == MAP_FAILED) {
            fprintf(stderr, "rawconsumer: mmap on cpu %d: %s\n", cpu, strerror(errno));
            return 1;
        }
        polls[cpu].fd = fds[cpu];
        polls[cpu].events = POLLIN;
    }
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    for (int cpu = 0; cpu < cpus; cpu++) {
        ioctl(fds[cpu], PERF_EVENT_IOC_ENABLE, 0);
    }
    printf("attached\n");
    fflush(stdout);

    unsigned long long samples = 0, lost = 0;
    size_t size = (size_t) pages * page;
    for (int last = 0; !last;) {
        last = stop;
        if (!last) {
            poll(polls, cpus, 100);
        }
        for (int cpu = 0; cpu < cpus; cpu++) {
            struct perf_event_mmap_page *ring = rings[cpu];
            unsigned char *data = (unsigned char *) ring + page;
            unsigned long long head = __atomic_load_n(&ring->data_head, __ATOMIC_ACQUIRE);
            unsigned long long tail = ring->data_tail;
            while (tail < head) {
                struct perf_event_header *header = (struct perf_event_header *) (data + (tail & (size - 1)));
                if (header->type == PERF_RECORD_SAMPLE) {
                    samples++;
                } else if (header->type == PERF_RECORD_LOST) {
                    lost += ((unsigned long long *) header)[2];
                }
                tail += header->size;
            }
            __atomic_store_n(&ring->data_tail, tail, __ATOMIC_RELEASE);
        }
    }
    printf("samples %llu lost %llu\n", samples, lost);
    return 0;
}
