/* Probe sites with semaphores (as dtrace -G or our libprobes.so make them): the note records
 * the address of <provider>_<name>_semaphore, which the kernel increments on attach. */
#define _SDT_HAS_SEMAPHORES 1
#include <stdint.h>
#include <sys/sdt.h>

__attribute__((visibility("default"))) volatile unsigned short fixture_guarded_semaphore __attribute__((section(".probes"))) = 0;
__attribute__((visibility("default"))) volatile unsigned short fixture_guarded_pair_semaphore __attribute__((section(".probes"))) = 0;

__attribute__((noinline)) int fixture_fire_guarded(int n, uint64_t id)
{
    if (fixture_guarded_semaphore)
    {
        STAP_PROBE2(fixture, guarded, n, id);
    }
    if (fixture_guarded_pair_semaphore)
    {
        STAP_PROBE1(fixture, guarded_pair, -n);
    }
    return n + 1;
}
