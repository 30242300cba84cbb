/*
 * Known workloads for the live tests: each mode issues exactly the system calls its comment states,
 * after naming the thread with prctl(PR_SET_NAME) so that a script can select it by comm.
 *
 *   read NAME N SIZE           N read(2) calls of SIZE bytes from /dev/zero
 *   rename NAME N1 N2 SIZE     N1 reads of SIZE bytes under the exec name, then renames to NAME, N2 reads
 *   migrate NAME N             a thread named NAME, first pinned to CPU 0, blocks N times in read(2) on a
 *                              pipe; before each wake-up another thread moves it to the next CPU, so every
 *                              read returns on another CPU than it entered on
 *   syscalls NAME              getppid x5, getuid x2, sched_yield x4, then exit_group: nothing else
 *   direct NAME PATH K         K O_DIRECT reads of 4096 bytes from PATH
 *   buffered NAME PATH K       K buffered reads of 4096 bytes from PATH
 *   extents NAME PATH          prints "MAJOR MINOR SECTOR SECTORS" for each extent of PATH (FIEMAP)
 *   term NAME                  prints "running PID", calls getppid once, then sleeps in pause(2) until killed;
 *                              each SIGTERM it receives prints "got SIGTERM" (and does not end it)
 *   forever NAME SIZE          reads SIZE bytes from /dev/zero until killed, after printing "running"
 *   threads NAME N             blocks in one read(2) of stdin, then the main thread (named NAME) and a second
 *                              thread (named NAME_t) each make N reads of 1 byte from /dev/zero
 *   noperf NAME CMD [ARG...]   runs CMD under a seccomp filter that fails perf_event_open with EPERM (what a
 *                              container's seccomp profile does), without dropping any capability
 *   burn NAME MS               spins on the CPU until its process has used MS milliseconds of CPU time
 *                              (CLOCK_PROCESS_CPUTIME_ID), then prints "cpu_ns N", the CPU time it used by then
 *   touch NAME K               maps K fresh private pages and writes one byte to each: K page faults, in its
 *                              own task, beside those of starting the process
 *   wake NAME N                the main thread (named NAME) wakes a second thread (named NAME_w) exactly N
 *                              times: it waits until that thread sleeps in read(2) on a pipe (its state in
 *                              /proc is S), then writes one byte. Both run on one CPU, so that the kernel
 *                              wakes the reader in the writer's context (a wake-up of a task on another,
 *                              idle CPU may be handed to that CPU and traced there, in its idle task)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <errno.h>
#include <linux/fiemap.h>
#include <linux/filter.h>
#include <linux/fs.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

static void fail(const char *what) {
    perror(what);
    exit(1);
}

static void name_thread(const char *name) {
    if (prctl(PR_SET_NAME, name, 0, 0, 0) != 0) {
        fail("prctl");
    }
}

static void read_zero(long n, long size) {
    char *buf = malloc(size);
    int fd = open("/dev/zero", O_RDONLY);
    if (buf == NULL || fd < 0) {
        fail("/dev/zero");
    }
    for (long i = 0; i < n; i++) {
        if (read(fd, buf, size) != size) {
            fail("read");
        }
    }
    close(fd);
}

struct migration {
    int pipe[2];
    long n;
    volatile pid_t reader;
};

static void *reader(void *arg) {
    struct migration *m = arg;
    char c;
    cpu_set_t first;
    CPU_ZERO(&first);
    CPU_SET(0, &first);
    if (sched_setaffinity(0, sizeof first, &first) != 0) {
        fail("sched_setaffinity");
    }
    m->reader = syscall(SYS_gettid);
    for (long i = 0; i < m->n; i++) {
        if (read(m->pipe[0], &c, 1) != 1) {
            fail("pipe read");
        }
    }
    return NULL;
}

/* True once thread tid sleeps (state S), i.e. is blocked inside read(2). */
static int sleeping(pid_t tid) {
    char path[64], text[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int) tid);
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        return 0;
    }
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0) {
        return 0;
    }
    text[n] = 0;
    char *end = strrchr(text, ')');
    return end != NULL && end[1] == ' ' && end[2] == 'S';
}

static void migrate(const char *name, long n) {
    struct migration m = {.n = n, .reader = 0};
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    pthread_t thread;
    if (pipe(m.pipe) != 0) {
        fail("pipe");
    }
    name_thread(name);
    if (pthread_create(&thread, NULL, reader, &m) != 0) {
        fail("pthread_create");
    }
    name_thread("stwl_waker");
    while (m.reader == 0) {
        sched_yield();
    }
    for (long i = 0; i < n; i++) {
        while (!sleeping(m.reader)) {
            sched_yield();
        }
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET((int) ((i + 1) % cpus), &set);
        if (sched_setaffinity(m.reader, sizeof set, &set) != 0) {
            fail("sched_setaffinity");
        }
        if (write(m.pipe[1], "x", 1) != 1) {
            fail("pipe write");
        }
    }
    pthread_join(thread, NULL);
}

struct sleeper {
    int pipe[2];
    long n;
    char name[16];
    volatile pid_t tid;
};

static void *sleeping_reader(void *arg) {
    struct sleeper *s = arg;
    name_thread(s->name);
    s->tid = syscall(SYS_gettid);
    char c;
    for (long i = 0; i < s->n; i++) {
        if (read(s->pipe[0], &c, 1) != 1) {
            fail("pipe read");
        }
    }
    return NULL;
}

static void wake(const char *name, long n) {
    struct sleeper s = {.n = n, .tid = 0};
    if (pipe(s.pipe) != 0) {
        fail("pipe");
    }
    snprintf(s.name, sizeof s.name, "%s_w", name);
    name_thread(name);
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu(), &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0) {
        fail("sched_setaffinity");
    }
    pthread_t thread;
    if (pthread_create(&thread, NULL, sleeping_reader, &s) != 0) {
        fail("pthread_create");
    }
    while (s.tid == 0) {
        sched_yield();
    }
    for (long i = 0; i < n; i++) {
        while (!sleeping(s.tid)) {
            sched_yield();
        }
        if (write(s.pipe[1], "x", 1) != 1) {
            fail("pipe write");
        }
        /* Wait until the byte is read, so that the next wait sees the next sleep and not this one. */
        int pending;
        do {
            if (ioctl(s.pipe[1], FIONREAD, &pending) != 0) {
                fail("FIONREAD");
            }
        } while (pending > 0);
    }
    pthread_join(thread, NULL);
}

static void read_file(const char *path, long k, int direct) {
    void *buf;
    if (posix_memalign(&buf, 4096, 4096) != 0) {
        fail("posix_memalign");
    }
    int fd = open(path, O_RDONLY | (direct ? O_DIRECT : 0));
    if (fd < 0) {
        fail(path);
    }
    for (long i = 0; i < k; i++) {
        if (read(fd, buf, 4096) != 4096) {
            fail("read");
        }
    }
    close(fd);
}

static void extents(const char *path) {
    struct stat st;
    int fd = open(path, O_RDONLY);
    if (fd < 0 || fstat(fd, &st) != 0) {
        fail(path);
    }
    size_t size = sizeof(struct fiemap) + 64 * sizeof(struct fiemap_extent);
    struct fiemap *map = calloc(1, size);
    map->fm_length = FIEMAP_MAX_OFFSET;
    map->fm_flags = FIEMAP_FLAG_SYNC;
    map->fm_extent_count = 64;
    if (ioctl(fd, FS_IOC_FIEMAP, map) != 0) {
        fail("FS_IOC_FIEMAP");
    }
    for (unsigned i = 0; i < map->fm_mapped_extents; i++) {
        struct fiemap_extent *e = &map->fm_extents[i];
        printf("%u %u %llu %llu\n", major(st.st_dev), minor(st.st_dev),
               (unsigned long long) (e->fe_physical / 512), (unsigned long long) (e->fe_length / 512));
    }
    close(fd);
}

static void *second_reader(void *arg) {
    char name[16];
    snprintf(name, sizeof name, "%s_t", (const char *) ((void **) arg)[0]);
    name_thread(name);
    read_zero((long) ((void **) arg)[1], 1);
    return NULL;
}

static void threads(const char *name, long n) {
    char go;
    if (read(0, &go, 1) < 0) {
        fail("read stdin");
    }
    void *arg[2] = {(void *) name, (void *) n};
    pthread_t thread;
    if (pthread_create(&thread, NULL, second_reader, arg) != 0) {
        fail("pthread_create");
    }
    name_thread(name);
    read_zero(n, 1);
    pthread_join(thread, NULL);
}

static void on_sigterm(int signal) {
    static const char message[] = "got SIGTERM\n";
    (void) signal;
    if (write(1, message, sizeof message - 1) < 0) {
        _exit(3);
    }
}

static void term(const char *name) {
    name_thread(name);
    if (signal(SIGTERM, on_sigterm) == SIG_ERR) {
        fail("signal");
    }
    printf("running %d\n", (int) getpid());
    fflush(stdout);
    syscall(SYS_getppid);
    for (;;) {
        pause();
    }
}

static long cpu_ns(void) {
    struct timespec t;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t) != 0) {
        fail("clock_gettime");
    }
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static void burn(const char *name, long ms) {
    name_thread(name);
    volatile unsigned long x = 0;
    long used;
    while ((used = cpu_ns()) < ms * 1000000L) {
        for (int i = 0; i < 100000; i++) {
            x += i * x + 1;
        }
    }
    printf("cpu_ns %ld\n", used);
}

static void touch_pages(const char *name, long k) {
    name_thread(name);
    long page = sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, k * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        fail("mmap");
    }
    for (long i = 0; i < k; i++) {
        p[i * page] = 1;
    }
}

static void exec_without_perf(char **argv) {
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_perf_event_open, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog program = {.len = sizeof filter / sizeof filter[0], .filter = filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
        fail("seccomp");
    }
    execvp(argv[0], argv);
    fail(argv[0]);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: workload MODE NAME ARGS...\n");
        return 2;
    }
    const char *mode = argv[1], *name = argv[2];
    if (strcmp(mode, "read") == 0 && argc == 5) {
        name_thread(name);
        read_zero(atol(argv[3]), atol(argv[4]));
    } else if (strcmp(mode, "rename") == 0 && argc == 6) {
        read_zero(atol(argv[3]), atol(argv[5]));
        name_thread(name);
        read_zero(atol(argv[4]), atol(argv[5]));
    } else if (strcmp(mode, "migrate") == 0 && argc == 4) {
        migrate(name, atol(argv[3]));
    } else if (strcmp(mode, "syscalls") == 0 && argc == 3) {
        name_thread(name);
        for (int i = 0; i < 5; i++) {
            syscall(SYS_getppid);
        }
        for (int i = 0; i < 2; i++) {
            syscall(SYS_getuid);
        }
        for (int i = 0; i < 4; i++) {
            syscall(SYS_sched_yield);
        }
        syscall(SYS_exit_group, 0);
    } else if ((strcmp(mode, "direct") == 0 || strcmp(mode, "buffered") == 0) && argc == 5) {
        name_thread(name);
        read_file(argv[3], atol(argv[4]), strcmp(mode, "direct") == 0);
    } else if (strcmp(mode, "extents") == 0 && argc == 4) {
        extents(argv[3]);
    } else if (strcmp(mode, "threads") == 0 && argc == 4) {
        threads(name, atol(argv[3]));
    } else if (strcmp(mode, "term") == 0 && argc == 3) {
        term(name);
    } else if (strcmp(mode, "noperf") == 0 && argc >= 4) {
        exec_without_perf(argv + 3);
    } else if (strcmp(mode, "burn") == 0 && argc == 4) {
        burn(name, atol(argv[3]));
    } else if (strcmp(mode, "touch") == 0 && argc == 4) {
        touch_pages(name, atol(argv[3]));
    } else if (strcmp(mode, "wake") == 0 && argc == 4) {
        wake(name, atol(argv[3]));
    } else if (strcmp(mode, "forever") == 0 && argc == 4) {
        name_thread(name);
        printf("running\n");
        fflush(stdout);
        read_zero(LONG_MAX, atol(argv[3]));
    } else {
        fprintf(stderr, "workload: bad arguments for mode %s\n", mode);
        return 2;
    }
    return 0;
}
