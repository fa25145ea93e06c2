/* A process with USDT probes whose argument values the tests know: each hit prints the
 * values it passes on one line ("hit <probe> v1 v2 ..."), so a test compares what the BPF
 * program decoded against what the program really passed, at -O0 (stack operands) and -O2
 * (registers, constants, scale-index-base).
 *
 * usage: usdt_fixture ITERATIONS DELAY_US [loop|thread]
 *   "loop" fires `tight` ITERATIONS times back to back, then prints "done <elapsed ns>".
 *   "thread" fires `threaded` ITERATIONS times from a second thread, DELAY_US apart, then "done".
 */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>

#define SEMAPHORE(provider, name) \
    __extension__ unsigned short provider##_##name##_semaphore __attribute__((unused)) __attribute__((section(".probes")))

/* The kernel raises a semaphore while a uprobe with ref_ctr_offset is attached; read it volatile. */
#define ENABLED(provider, name) __builtin_expect(*(volatile unsigned short *)&provider##_##name##_semaphore, 0)

SEMAPHORE(fixture, scalars);
SEMAPHORE(fixture, array);
SEMAPHORE(fixture, text);
SEMAPHORE(fixture, tight);
SEMAPHORE(fixture, sib);
SEMAPHORE(fixture, twice);
SEMAPHORE(fixture, threaded);

long global_counter = 0x1122334455667788L;
static const char *const words[] = { "alpha", "bravo", "charlie" };

__attribute__((noinline)) static void fire_scalars(int i)
{
    signed char c = (signed char)(-3 - i);
    unsigned short s = (unsigned short)(60000 + i);
    int neg = -100000 - i;
    unsigned int u = 4000000000u + (unsigned int)i;
    long big = -0x123456789aL - i;
    if (ENABLED(fixture, scalars)) {
        printf("hit scalars %d %u %d %u %ld %d\n", c, s, neg, u, big, 42);
        fflush(stdout);
        STAP_PROBE6(fixture, scalars, c, s, neg, u, big, 42);
    }
}

__attribute__((noinline)) static void fire_array(long *values, long index)
{
    if (ENABLED(fixture, array)) {
        /* Probe first, so at -O2 the element is still addressed as base + index * 8. */
        STAP_PROBE2(fixture, array, values[index], global_counter);
        printf("hit array %ld %ld\n", values[index], global_counter);
        fflush(stdout);
    }
}

/* Nothing else in the body, so at -O2 the operand stays (%rdi,%rsi,8): a scale-index-base spec. */
__attribute__((noinline)) static void fire_sib(long *values, long index)
{
    STAP_PROBE2(fixture, sib, values[index], index);
}

__attribute__((noinline)) static void fire_text(int i)
{
    const char *word = words[i % 3];
    if (ENABLED(fixture, text)) {
        printf("hit text %s %d\n", word, i);
        fflush(stdout);
        STAP_PROBE2(fixture, text, word, i);
    }
}

struct thread_work {
    int iterations;
    int delay;
};

/* Not the main thread: a pid filter must follow the whole process, not its first thread. */
static void *fire_from_thread(void *argument)
{
    struct thread_work *work = argument;
    for (long i = 0; i < work->iterations; i++) {
        STAP_PROBE1(fixture, threaded, i);
        usleep(work->delay);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int iterations = argc > 1 ? atoi(argv[1]) : 10;
    int delay = argc > 2 ? atoi(argv[2]) : 100000;
    int loop = argc > 3 && strcmp(argv[3], "loop") == 0;
    int thread = argc > 3 && strcmp(argv[3], "thread") == 0;
    long values[8];
    for (int k = 0; k < 8; k++) {
        values[k] = 1000 + 111 * k;
    }
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    if (thread) {
        struct thread_work work = { iterations, delay };
        pthread_t worker;
        pthread_create(&worker, NULL, fire_from_thread, &work);
        pthread_join(worker, NULL);
        printf("done\n");
        return 0;
    }
    if (loop) {
        struct timespec start, end;
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (long i = 0; i < iterations; i++) {
            STAP_PROBE1(fixture, tight, i);
        }
        clock_gettime(CLOCK_MONOTONIC, &end);
        printf("done %ld\n", (end.tv_sec - start.tv_sec) * 1000000000L + (end.tv_nsec - start.tv_nsec));
        return 0;
    }
    for (int i = 0; i < iterations; i++) {
        fire_scalars(i);
        fire_array(values, i % 8);
        fire_text(i);
        if (ENABLED(fixture, sib)) {
            printf("hit sib %ld %ld\n", values[(i + 3) % 8], (long)((i + 3) % 8));
            fflush(stdout);
            fire_sib(values, (i + 3) % 8);
        }
        /* One probe, two call sites: a tracer must attach both to see every hit. */
        STAP_PROBE1(fixture, twice, i);
        global_counter++;
        STAP_PROBE1(fixture, twice, -i - 1000);
        usleep(delay);
    }
    printf("done\n");
    return 0;
}
