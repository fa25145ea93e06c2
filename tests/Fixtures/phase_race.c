/* A process that starts its phases the instant a tracer raises probes:phase_begin's semaphore,
 * the way a service waiting for a tracer does, with no grace period: it spins on the semaphore
 * and fires PAIRS begin/end pairs back to back as soon as it reads non-zero, then prints how
 * many and exits. Its probes are the shim's (provider "probes", ABI v1 arguments), so
 * `probes phases --pid` treats it as a traced service. LOAD_THREADS spin meanwhile, so the
 * tracer attaches on a busy machine. A tracer that raises the semaphore before its program is
 * on the begin site sees ends without their begins.
 *
 * usage: phase_race PAIRS LOAD_THREADS */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define SEMAPHORE(name) \
    __extension__ volatile unsigned short probes_##name##_semaphore __attribute__((unused)) __attribute__((section(".probes"))) = 0
SEMAPHORE(phase_begin);
SEMAPHORE(phase_end);

static volatile int finished;

__attribute__((noinline)) static void phase_begin(uint32_t id, const char *name, uint64_t span, uint64_t parent)
{
    STAP_PROBE4(probes, phase_begin, id, name, span, parent);
}

__attribute__((noinline)) static void phase_end(uint32_t id, const char *name, uint64_t span, int32_t status)
{
    STAP_PROBE4(probes, phase_end, id, name, span, status);
}

static void *spin(void *unused)
{
    (void)unused;
    while (!finished) {
    }
    return NULL;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long pairs = argc > 1 ? atol(argv[1]) : 1000;
    int load = argc > 2 ? atoi(argv[2]) : 2;
    pthread_t threads[64];
    for (int i = 0; i < load && i < 64; i++) {
        pthread_create(&threads[i], NULL, spin, NULL);
    }
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    double deadline = now() + 60;
    while (!probes_phase_begin_semaphore) {
        if (now() > deadline) {
            fprintf(stderr, "no tracer attached within 60 s\n");
            return 1;
        }
    }
    for (long i = 1; i <= pairs; i++) {
        phase_begin(7, "Race", (uint64_t)i, 0);
        phase_end(7, "Race", (uint64_t)i, 0);
    }
    finished = 1;
    printf("fired %ld\n", pairs);
    fflush(stdout);
    for (int i = 0; i < load && i < 64; i++) {
        pthread_join(threads[i], NULL);
    }
    return 0;
}
