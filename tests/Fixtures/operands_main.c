/* Runs the operand probes: "ready <pid>", waits for a line on stdin (the tracer attaches
 * meanwhile), fires every probe ITERATIONS times, then exits. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void operands_run(int iterations);

int main(int argc, char **argv)
{
    int iterations = argc > 1 ? atoi(argv[1]) : 3;
    char line[16];
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    if (fgets(line, sizeof line, stdin) == NULL) {
        return 1;
    }
    operands_run(iterations);
    return 0;
}
