/* A host process that loads a libprobes.so (native/probes.c built as a shared library, dlopen'ed
 * from the directory of its RUNPATH as the SDK does: linked directly, its semaphores would be
 * copy-relocated into the executable, which the kernel never raises) and runs phases under a name
 * it is given, as a hostile target may.
 *   usage: named_phases NAME COUNT [MS [ID]]
 * Waits (up to 30 s) until a tracer raised the phase semaphores, fires COUNT begin/end pairs of
 * NAME (status 0), prints "done" and then waits to be killed, so its mapping of the shim stays
 * while a node agent is scraped. MS: each phase sleeps that many milliseconds (a known duration
 * for quantile checks), and the process measures each phase itself (CLOCK_MONOTONIC around begin
 * and end) and prints "median_ns=N" before "done": a loaded host oversleeps, so the true median is
 * what a check compares with. ID: the phase id (default 0x6006); phases are named by id, so two
 * processes of other names need two ids. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef void (*phase_begin_fn)(uint32_t phase_id, const char *phase_name, uint64_t span_id, uint64_t parent_span_id);
typedef void (*phase_end_fn)(uint32_t phase_id, const char *phase_name, uint64_t span_id, int32_t status);

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 3)
    {
        fprintf(stderr, "usage: named_phases NAME COUNT\n");
        return 2;
    }
    long count = atol(argv[2]);
    long milliseconds = argc > 3 ? atol(argv[3]) : 0;
    uint32_t id = argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 0) : 0x6006;
    struct timespec duration = {milliseconds / 1000, (milliseconds % 1000) * 1000 * 1000};
    void *shim = dlopen("libprobes.so", RTLD_NOW);
    if (!shim)
    {
        fprintf(stderr, "%s\n", dlerror());
        return 4;
    }
    volatile unsigned short *begin_semaphore = dlsym(shim, "probes_phase_begin_semaphore");
    volatile unsigned short *end_semaphore = dlsym(shim, "probes_phase_end_semaphore");
    phase_begin_fn probes_phase_begin = (phase_begin_fn)dlsym(shim, "probes_phase_begin");
    phase_end_fn probes_phase_end = (phase_end_fn)dlsym(shim, "probes_phase_end");
    if (!begin_semaphore || !end_semaphore || !probes_phase_begin || !probes_phase_end)
    {
        fprintf(stderr, "libprobes.so lacks the phase probes\n");
        return 4;
    }
    printf("ready\n");
    fflush(stdout);
    for (int i = 0; i < 3000 && !(*begin_semaphore && *end_semaphore); i++)
    {
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    if (!(*begin_semaphore && *end_semaphore))
    {
        printf("no tracer\n");
        return 3;
    }
    uint64_t *measured = milliseconds > 0 && count > 0 ? calloc((size_t)count, sizeof *measured) : NULL;
    for (long i = 0; i < count; i++)
    {
        struct timespec start, stop;
        clock_gettime(CLOCK_MONOTONIC, &start);
        probes_phase_begin(id, argv[1], i + 1, 0);
        if (milliseconds > 0)
            nanosleep(&duration, NULL);
        probes_phase_end(id, argv[1], i + 1, 0);
        clock_gettime(CLOCK_MONOTONIC, &stop);
        if (measured)
            measured[i] = (uint64_t)(stop.tv_sec - start.tv_sec) * 1000000000u + (uint64_t)stop.tv_nsec - (uint64_t)start.tv_nsec;
    }
    if (measured)
    {
        qsort(measured, (size_t)count, sizeof *measured, compare_u64);
        printf("median_ns=%llu\n", (unsigned long long)measured[count / 2]);
    }
    printf("done\n");
    fflush(stdout);
    for (;;)
        pause();
}
