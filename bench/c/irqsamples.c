/*
 * Reproduces the interrupt-context quirk without safetap: one sampling perf event per CPU on a tracepoint
 * (sample_period 1, TID|RAW, as perf record -a), for SECONDS; then, per CPU, the kernel's count (read(2) of the
 * event) against the samples found in its ring. Usage: irqsamples TRACEPOINT_ID SECONDS (the id from
 * /sys/kernel/tracing/events/CATEGORY/EVENT/id). Build: gcc -O2 -o irqsamples irqsamples.c
 */
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGES 256

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s TRACEPOINT_ID SECONDS\n", argv[0]);
        return 2;
    }
    int cpus = (int) sysconf(_SC_NPROCESSORS_ONLN);
    long page = sysconf(_SC_PAGESIZE);
    int fds[cpus];
    struct perf_event_mmap_page *rings[cpus];
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.type = PERF_TYPE_TRACEPOINT;
    attr.size = sizeof attr;
    attr.config = strtoull(argv[1], NULL, 10);
    attr.sample_period = 1;
    attr.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_RAW;
    attr.disabled = 1;
    for (int c = 0; c < cpus; c++) {
        fds[c] = (int) syscall(SYS_perf_event_open, &attr, -1, c, -1, PERF_FLAG_FD_CLOEXEC);
        if (fds[c] < 0) {
            perror("perf_event_open");
            return 1;
        }
        rings[c] = mmap(NULL, (PAGES + 1) * page, PROT_READ | PROT_WRITE, MAP_SHARED, fds[c], 0);
        if (rings[c] == MAP_FAILED) {
            perror("mmap");
            return 1;
        }
    }
    for (int c = 0; c < cpus; c++) {
        ioctl(fds[c], PERF_EVENT_IOC_ENABLE, 0);
    }
    sleep((unsigned) atoi(argv[2]));
    for (int c = 0; c < cpus; c++) {
        ioctl(fds[c], PERF_EVENT_IOC_DISABLE, 0);
    }
    for (int c = 0; c < cpus; c++) {
        unsigned long long count = 0, samples = 0, lost = 0;
        read(fds[c], &count, sizeof count);
        char *data = (char *) rings[c] + page;
        unsigned long long head = __atomic_load_n(&rings[c]->data_head, __ATOMIC_ACQUIRE);
        for (unsigned long long at = rings[c]->data_tail; at < head;) {
            struct perf_event_header *h = (struct perf_event_header *) (data + at % (PAGES * page));
            if (h->type == PERF_RECORD_SAMPLE) {
                samples++;
            } else if (h->type == PERF_RECORD_LOST) {
                lost += *(unsigned long long *) ((char *) h + sizeof *h + 8);
            }
            at += h->size;
        }
        printf("cpu%d counted %llu written %llu lost %llu\n", c, count, samples, lost);
    }
    return 0;
}
