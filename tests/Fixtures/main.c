/* The fixture executable. With "wait" it prints "ready" and keeps firing its probes once a
 * second until killed, so tests can list it as a running process or container. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int fixture_fire_plain(int n, int64_t value, const char *text);
int fixture_fire_guarded(int n, uint64_t id);

int main(int argc, char **argv)
{
    int wait = argc > 1 && strcmp(argv[1], "wait") == 0;
    if (wait)
    {
        printf("ready\n");
        fflush(stdout);
    }
    int total = 0;
    do
    {
        total += fixture_fire_plain(argc, (int64_t)argc * -1000, argv[0]);
        total += fixture_fire_guarded(argc, (uint64_t)total);
        if (wait)
        {
            sleep(1);
        }
    } while (wait);
    return total == 12345 ? 1 : 0;
}
