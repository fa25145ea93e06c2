/*
 * usdt_floor: the kernel's floor for one USDT probe hit, measured from C.
 *
 * Two things are timed with clock_gettime(CLOCK_MONOTONIC) while a tracer is attached:
 *   - "site":  a probe site in this binary (provider floor, probe hit), guarded by its own
 *              semaphore exactly like the SDK guards its probes. This is one uprobe trap plus
 *              the tracer's BPF action and nothing else: the floor.
 *   - "shim":  probes_phase_begin + probes_phase_end of libprobes.so called from C (one
 *              begin/end pair), when a path to libprobes.so is given. That is the same pair of
 *              uprobe hits a .NET phase makes, without any managed code around it.
 * Both wait until the tracer has raised the semaphores and refuse to print a number if it
 * never does, so a failed attachment cannot pass for a very fast probe.
 *
 * Usage: usdt_floor [-n hits] [-r rounds] [-w wait-seconds] [-u] [libprobes.so]
 *   -u  measure untraced instead: refuse if a semaphore IS raised (the no-tracer baseline).
 * Output: one line per measurement, "name wall_median wall_min cpu_median hits", in ns per
 * iteration. wall is CLOCK_MONOTONIC; cpu is CLOCK_THREAD_CPUTIME_ID, which leaves out the
 * time this thread was preempted, so on a busy machine it stays close to the quiet-machine
 * cost while wall time grows (the trap's kernel time is charged to the thread, so it counts).
 */
#define _GNU_SOURCE
#define _SDT_HAS_SEMAPHORES 1
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include <time.h>
#include <unistd.h>

/* The semaphore lives in its own writable section, where systemtap's dtrace(1) puts it and
 * where the kernel's ref_ctr_offset (or a tracer writing /proc/pid/mem) can raise it. */
volatile unsigned short floor_hit_semaphore __attribute__((section(".probes"))) = 0;

typedef void (*phase_begin_fn)(uint32_t, const char *, uint64_t, uint64_t);
typedef void (*phase_end_fn)(uint32_t, const char *, uint64_t, int32_t);

#define MAX_ROUNDS 64

static uint64_t now_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* noinline keeps the loop from being folded into main, so every iteration really reaches
 * the probe site (a nop the kernel replaced with a trap or a trampoline call). */
static __attribute__((noinline)) void hit_site(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
    {
        if (floor_hit_semaphore)
        {
            STAP_PROBE1(floor, hit, i);
        }
    }
}

static __attribute__((noinline)) void hit_shim(uint64_t n, phase_begin_fn begin, phase_end_fn end, uint16_t *semaphore)
{
    /* The same shape as the SDK: one semaphore check for the pair, then both probes. */
    for (uint64_t i = 0; i < n; i++)
    {
        if (*(volatile uint16_t *)semaphore)
        {
            begin(0x12345678u, "x", i + 1, 0);
            end(0x12345678u, "x", i + 1, 0);
        }
    }
}

static int wait_for(volatile uint16_t *semaphore, int raised, int seconds, const char *what)
{
    for (int waited_ms = 0; waited_ms <= seconds * 1000; waited_ms += 10)
    {
        if ((*semaphore != 0) == raised)
        {
            return 0;
        }
        usleep(10000);
    }
    fprintf(stderr, "usdt_floor: the %s semaphore is %s after %d s; refusing to report a number\n",
            what, raised ? "still 0 (no tracer attached)" : "raised (a tracer is attached)", seconds);
    return -1;
}

static void report(const char *name, double *wall, double *cpu, int rounds, uint64_t hits)
{
    qsort(wall, (size_t)rounds, sizeof(double), compare_double);
    qsort(cpu, (size_t)rounds, sizeof(double), compare_double);
    printf("%s %.1f %.1f %.1f %llu\n", name, wall[rounds / 2], wall[0], cpu[rounds / 2], (unsigned long long)hits);
}

int main(int argc, char **argv)
{
    uint64_t hits = 200000;
    int rounds = 7, wait_seconds = 20, untraced = 0, opt;
    while ((opt = getopt(argc, argv, "n:r:w:u")) != -1)
    {
        switch (opt)
        {
        case 'n': hits = strtoull(optarg, NULL, 10); break;
        case 'r': rounds = atoi(optarg); break;
        case 'w': wait_seconds = atoi(optarg); break;
        case 'u': untraced = 1; break;
        default:
            fprintf(stderr, "usage: %s [-n hits] [-r rounds] [-w wait-seconds] [-u] [libprobes.so]\n", argv[0]);
            return 64;
        }
    }
    if (rounds < 1 || rounds > MAX_ROUNDS || hits == 0)
    {
        fprintf(stderr, "usdt_floor: need 1..%d rounds and at least one hit\n", MAX_ROUNDS);
        return 64;
    }

    phase_begin_fn begin = NULL;
    phase_end_fn end = NULL;
    uint16_t *begin_semaphore = NULL;
    uint16_t *end_semaphore = NULL;
    if (optind < argc)
    {
        void *shim = dlopen(argv[optind], RTLD_NOW | RTLD_LOCAL);
        if (shim == NULL)
        {
            fprintf(stderr, "usdt_floor: %s\n", dlerror());
            return 66;
        }
        begin = (phase_begin_fn)dlsym(shim, "probes_phase_begin");
        end = (phase_end_fn)dlsym(shim, "probes_phase_end");
        begin_semaphore = (uint16_t *)dlsym(shim, "probes_phase_begin_semaphore");
        end_semaphore = (uint16_t *)dlsym(shim, "probes_phase_end_semaphore");
        if (begin == NULL || end == NULL || begin_semaphore == NULL || end_semaphore == NULL)
        {
            fprintf(stderr, "usdt_floor: %s does not export the probe ABI v1 symbols\n", argv[optind]);
            return 66;
        }
    }

    /* Tell whoever attaches which process to look at, then wait for the attachment. */
    printf("pid %d\n", (int)getpid());
    fflush(stdout);
    if (wait_for(&floor_hit_semaphore, !untraced, wait_seconds, "floor:hit") != 0
        || (begin_semaphore != NULL && wait_for(begin_semaphore, !untraced, wait_seconds, "probes:phase_begin") != 0)
        || (end_semaphore != NULL && wait_for(end_semaphore, !untraced, wait_seconds, "probes:phase_end") != 0))
    {
        return 3;
    }
    /* The kernel raises a semaphore when the tracer opens the uprobe, a moment before the
     * tracer's program is set on it; do not time hits that may fall into that moment. */
    usleep(200000);

    double wall[MAX_ROUNDS], cpu[MAX_ROUNDS];
    hit_site(hits / 10); /* warm-up: page in, settle the uprobe (a first hit may install the trampoline) */
    for (int r = 0; r < rounds; r++)
    {
        uint64_t start = now_ns(CLOCK_MONOTONIC), start_cpu = now_ns(CLOCK_THREAD_CPUTIME_ID);
        hit_site(hits);
        cpu[r] = (double)(now_ns(CLOCK_THREAD_CPUTIME_ID) - start_cpu) / (double)hits;
        wall[r] = (double)(now_ns(CLOCK_MONOTONIC) - start) / (double)hits;
    }
    report(untraced ? "site-untraced" : "site", wall, cpu, rounds, hits);

    if (begin != NULL)
    {
        hit_shim(hits / 10, begin, end, begin_semaphore);
        for (int r = 0; r < rounds; r++)
        {
            uint64_t start = now_ns(CLOCK_MONOTONIC), start_cpu = now_ns(CLOCK_THREAD_CPUTIME_ID);
            hit_shim(hits, begin, end, begin_semaphore);
            cpu[r] = (double)(now_ns(CLOCK_THREAD_CPUTIME_ID) - start_cpu) / (double)hits;
            wall[r] = (double)(now_ns(CLOCK_MONOTONIC) - start) / (double)hits;
        }
        report(untraced ? "shim-pair-untraced" : "shim-pair", wall, cpu, rounds, hits);
    }

    /* The semaphore must still be raised at the end, or part of the run was untraced. */
    if (!untraced && (floor_hit_semaphore == 0 || (begin_semaphore != NULL && *begin_semaphore == 0)))
    {
        fprintf(stderr, "usdt_floor: the tracer detached during the run; the numbers above are not valid\n");
        return 3;
    }
    return 0;
}
