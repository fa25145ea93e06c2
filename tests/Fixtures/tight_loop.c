/* Fires loop:tick COUNT times back to back once a tracer raised its semaphore, then prints
 * how many it fired. A test traces it through a deliberately tiny ring buffer and checks that
 * every hit is accounted for: received + lost == fired. */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__extension__ unsigned short loop_tick_semaphore __attribute__((unused)) __attribute__((section(".probes")));

int main(int argc, char **argv)
{
    long count = argc > 1 ? atol(argv[1]) : 100000;
    for (int waited = 0; !*(volatile unsigned short *)&loop_tick_semaphore; waited++) {
        if (waited > 3000) {
            fprintf(stderr, "no tracer attached within 30 s\n");
            return 1;
        }
        usleep(10000);
    }
    long fired = 0;
    for (long i = 0; i < count; i++) {
        STAP_PROBE1(loop, tick, i);
        fired++;
    }
    printf("fired %ld\n", fired);
    return 0;
}
