/*
 * Trace benchmark fixture: one USDT probe `bench:hit(u64 i, s64 -i)` with a semaphore.
 *
 *   fixture N [RATE_PER_S] [WAIT_S]
 *
 * Waits (up to WAIT_S seconds, default 10) until a tracer raises bench_hit_semaphore,
 * then fires the probe N times back to back (RATE_PER_S absent or 0) or paced at
 * RATE_PER_S (spinning on CLOCK_MONOTONIC until each hit's due time; no sleeping, so the
 * loop stays on-CPU like a busy service). Prints one line on stdout:
 *
 *   fired=N elapsed_ns=E rate=R ns_per_hit=H probe_ns_per_hit=P semaphore=S
 *
 * ns_per_hit is elapsed / N (the whole loop, pacing included); probe_ns_per_hit is the
 * time spent in the probe site itself (measured around each hit in paced mode; equal to
 * ns_per_hit in the unpaced burst, where nothing else runs in the loop).
 * S is the semaphore when the loop starts: one count per attached uprobe that uses it
 * (a tracer attaching both call sites of bench:hit makes it 2).
 * Exit 2 if the semaphore never rose (the tracer did not switch the probe on).
 * Built at run time by run.sh; never committed as a binary.
 */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

__extension__ unsigned short bench_hit_semaphore __attribute__((unused)) __attribute__((section(".probes")));

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s N [RATE_PER_S] [WAIT_S]\n", argv[0]);
        return 1;
    }
    uint64_t n = strtoull(argv[1], NULL, 10);
    double rate = argc > 2 ? strtod(argv[2], NULL) : 0;
    double wait_s = argc > 3 ? strtod(argv[3], NULL) : 10;

    uint64_t give_up = now_ns() + (uint64_t)(wait_s * 1e9);
    while (*(volatile unsigned short *)&bench_hit_semaphore == 0) {
        if (now_ns() > give_up) {
            fprintf(stderr, "fixture: semaphore still 0 after %.1f s: no tracer switched bench:hit on\n", wait_s);
            return 2;
        }
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }

    unsigned semaphore_at_start = *(volatile unsigned short *)&bench_hit_semaphore;
    uint64_t probe_ns = 0;
    uint64_t start = now_ns();
    if (rate <= 0) {
        for (uint64_t i = 0; i < n; i++) {
            if (*(volatile unsigned short *)&bench_hit_semaphore) {
                DTRACE_PROBE2(bench, hit, i, -(int64_t)i);
            }
        }
    } else {
        double period = 1e9 / rate;
        for (uint64_t i = 0; i < n; i++) {
            uint64_t due = start + (uint64_t)(i * period);
            uint64_t t;
            while ((t = now_ns()) < due) {
            }
            if (*(volatile unsigned short *)&bench_hit_semaphore) {
                DTRACE_PROBE2(bench, hit, i, -(int64_t)i);
            }
            probe_ns += now_ns() - t;
        }
    }
    uint64_t elapsed = now_ns() - start;
    if (rate <= 0) {
        probe_ns = elapsed;
    }
    printf("fired=%llu elapsed_ns=%llu rate=%.0f ns_per_hit=%.1f probe_ns_per_hit=%.1f semaphore=%u\n",
           (unsigned long long)n, (unsigned long long)elapsed, n * 1e9 / elapsed,
           (double)elapsed / n, (double)probe_ns / n, semaphore_at_start);
    return 0;
}
