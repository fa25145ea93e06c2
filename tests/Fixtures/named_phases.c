/* A host process that loads a libprobes.so (native/probes.c built as a shared library, dlopen'ed
 * from the directory of its RUNPATH as the SDK does: linked directly, its semaphores would be
 * copy-relocated into the executable, which the kernel never raises) and runs
 * phases under a name it is given, as a hostile target may: usage: named_phases NAME COUNT
 * Waits (up to 30 s) until a tracer raised the phase semaphores, fires COUNT begin/end pairs of
 * NAME (id 0x6006, status 0), prints "done" and then waits to be killed, so its mapping of the
 * shim stays while a node agent is scraped. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef void (*phase_begin_fn)(uint32_t phase_id, const char *phase_name, uint64_t span_id, uint64_t parent_span_id);
typedef void (*phase_end_fn)(uint32_t phase_id, const char *phase_name, uint64_t span_id, int32_t status);

int main(int argc, char **argv)
{
    if (argc < 3)
    {
        fprintf(stderr, "usage: named_phases NAME COUNT\n");
        return 2;
    }
    long count = atol(argv[2]);
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
    for (long i = 0; i < count; i++)
    {
        probes_phase_begin(0x6006, argv[1], i + 1, 0);
        probes_phase_end(0x6006, argv[1], i + 1, 0);
    }
    printf("done\n");
    fflush(stdout);
    for (;;)
        pause();
}
