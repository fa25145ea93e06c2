/* A host process that loads a libprobes.so (native/probes.c built as a shared library) and runs
 * phases under a name it is given, as a hostile target may: usage: named_phases NAME COUNT
 * Waits (up to 30 s) until a tracer raised the phase semaphores, fires COUNT begin/end pairs of
 * NAME (id 0x6006, status 0), prints "done" and then waits to be killed, so its mapping of the
 * shim stays while a node agent is scraped. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

extern volatile unsigned short probes_phase_begin_semaphore, probes_phase_end_semaphore;
void probes_phase_begin(uint32_t phase_id, const char *phase_name, uint64_t span_id, uint64_t parent_span_id);
void probes_phase_end(uint32_t phase_id, const char *phase_name, uint64_t span_id, int32_t status);

int main(int argc, char **argv)
{
    if (argc < 3)
    {
        fprintf(stderr, "usage: named_phases NAME COUNT\n");
        return 2;
    }
    long count = atol(argv[2]);
    printf("ready\n");
    fflush(stdout);
    for (int i = 0; i < 3000 && !(probes_phase_begin_semaphore && probes_phase_end_semaphore); i++)
    {
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    if (!(probes_phase_begin_semaphore && probes_phase_end_semaphore))
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
