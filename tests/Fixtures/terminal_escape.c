/* A hostile program for the terminal-injection test: once a tracer raised its semaphore it
 * fires hostile:say with a string argument made of terminal escape sequences (set the window
 * title, clear the screen, a right-to-left override), then exits. A tracer that prints the
 * string as it is hands the program the operator's terminal. */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>
#include <stdio.h>
#include <unistd.h>

__extension__ unsigned short hostile_say_semaphore __attribute__((unused)) __attribute__((section(".probes")));

int main(void)
{
    /* On the stack, so the page is present: a BPF program cannot fault in a page of .rodata. */
    char payload[] = "\x1b]0;pwned\x07\x1b[2J\xe2\x80\xaeok";
    for (int waited = 0; !*(volatile unsigned short *)&hostile_say_semaphore; waited++) {
        if (waited > 3000) {
            fprintf(stderr, "no tracer attached within 30 s\n");
            return 1;
        }
        usleep(10000);
    }
    STAP_PROBE1(hostile, say, payload);
    printf("fired\n");
    return 0;
}
