/* A known phase workload for the in-kernel pairing tests, linked with native/probes.c (the real
 * probe sites). Usage: phase_workload ALPHA BETA ORPHANS STRAYS [MARKS [SLOW]]
 * Waits (up to 20 s) until a tracer raised the phase semaphores, then fires, in this order:
 *   ORPHANS begins of "orphan" (0x3003) that never end,
 *   ALPHA   begin/end pairs of "alpha" (0x1001), status 0, parent 0,
 *   BETA    begin/end pairs of "beta" (0x2002), status 1 (faulted), parent i + 1,
 *   STRAYS  ends of "stray" (0x4004) without a begin,
 *   MARKS   marks "tick" (0x5005) with values 1..MARKS,
 *   SLOW    times "outer" (0x6006, span 3000000 + i, parent 0) around "inner" (0x7007, span
 *           3100000 + i, parent outer's span) that sleeps 120 + 30 * i ms; inner ends faulted
 *           when i is odd, outer always completed,
 * then prints "done" and exits. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

extern volatile unsigned short probes_phase_begin_semaphore, probes_phase_end_semaphore;
void probes_phase_begin(uint32_t phase_id, const char *phase_name, uint64_t span_id, uint64_t parent_span_id);
void probes_phase_end(uint32_t phase_id, const char *phase_name, uint64_t span_id, int32_t status);
void probes_mark(uint32_t mark_id, const char *name, int64_t value);

int main(int argc, char **argv)
{
    if (argc < 5)
    {
        fprintf(stderr, "usage: phase_workload ALPHA BETA ORPHANS STRAYS [MARKS [SLOW]]\n");
        return 2;
    }
    long alpha = atol(argv[1]), beta = atol(argv[2]), orphans = atol(argv[3]), strays = atol(argv[4]);
    long marks = argc > 5 ? atol(argv[5]) : 0;
    long slow = argc > 6 ? atol(argv[6]) : 0;
    printf("ready\n");
    fflush(stdout);
    for (int i = 0; i < 2000 && !(probes_phase_begin_semaphore && probes_phase_end_semaphore); i++)
    {
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    if (!(probes_phase_begin_semaphore && probes_phase_end_semaphore))
    {
        printf("no tracer\n");
        return 3;
    }
    for (long i = 0; i < orphans; i++)
        probes_phase_begin(0x3003, "orphan", 1000000 + i, 0);
    for (long i = 0; i < alpha; i++)
    {
        probes_phase_begin(0x1001, "alpha", i + 1, 0);
        probes_phase_end(0x1001, "alpha", i + 1, 0);
    }
    for (long i = 0; i < beta; i++)
    {
        probes_phase_begin(0x2002, "beta", 500000 + i, i + 1);
        probes_phase_end(0x2002, "beta", 500000 + i, 1);
    }
    for (long i = 0; i < strays; i++)
        probes_phase_end(0x4004, "stray", 2000000 + i, 0);
    for (long i = 0; i < marks; i++)
        probes_mark(0x5005, "tick", i + 1);
    for (long i = 0; i < slow; i++)
    {
        struct timespec pause = {0, (120 + 30 * i) * 1000 * 1000};
        probes_phase_begin(0x6006, "outer", 3000000 + i, 0);
        probes_phase_begin(0x7007, "inner", 3100000 + i, 3000000 + i);
        nanosleep(&pause, NULL);
        probes_phase_end(0x7007, "inner", 3100000 + i, i % 2);
        probes_phase_end(0x6006, "outer", 3000000 + i, 0);
    }
    printf("done\n");
    fflush(stdout);
    return 0;
}
