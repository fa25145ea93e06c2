/*
 * paced_phases: RATE begin/end pairs a second through a libprobes.so for SECONDS, paced in 1 ms
 * slices (each slice fires its share, then sleeps to the next), so an agent's CPU can be measured
 * at a known phase rate. Waits up to 30 s for a tracer to raise the semaphores; prints
 * "phases=N seconds=S" at the end.
 *   paced_phases LIBPROBES RATE SECONDS
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef void (*begin_fn)(uint32_t, const char *, uint64_t, uint64_t);
typedef void (*end_fn)(uint32_t, const char *, uint64_t, int32_t);

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: paced_phases LIBPROBES RATE SECONDS\n");
        return 2;
    }
    void *shim = dlopen(argv[1], RTLD_NOW);
    if (!shim) {
        fprintf(stderr, "%s\n", dlerror());
        return 4;
    }
    volatile unsigned short *semaphore = dlsym(shim, "probes_phase_begin_semaphore");
    begin_fn begin = (begin_fn)dlsym(shim, "probes_phase_begin");
    end_fn end = (end_fn)dlsym(shim, "probes_phase_end");
    if (!semaphore || !begin || !end) {
        fprintf(stderr, "no phase probes in %s\n", argv[1]);
        return 4;
    }
    for (int i = 0; i < 3000 && !*semaphore; i++) {
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    if (!*semaphore) {
        fprintf(stderr, "no tracer\n");
        return 3;
    }
    double rate = atof(argv[2]), seconds = atof(argv[3]), start = now();
    uint64_t fired = 0;
    for (double t = now(); t - start < seconds; t = now()) {
        uint64_t due = (uint64_t)((t - start + 0.001) * rate);
        for (; fired < due; fired++) {
            begin(0x7001, "Paced", fired + 1, 0);
            end(0x7001, "Paced", fired + 1, 0);
        }
        struct timespec slice = {0, 1000 * 1000};
        nanosleep(&slice, NULL);
    }
    printf("phases=%llu seconds=%.2f\n", (unsigned long long)fired, now() - start);
    return 0;
}
