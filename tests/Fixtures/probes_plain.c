/* Probe sites without semaphores, with arguments of every size and signedness. Depending on
 * the optimisation level the compiler puts them in registers (-O2), on the stack (-O0) or
 * leaves them in memory (the static globals, addressed %rip-relative). */
#include <stdint.h>
#include <sys/sdt.h>

static volatile int64_t fixture_counter = 7;
static volatile int16_t fixture_small = -3;

__attribute__((noinline)) int fixture_fire_plain(int n, int64_t value, const char *text)
{
    int8_t byte = (int8_t)(n - 100);
    uint16_t half = (uint16_t)(n * 3);
    int table[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    STAP_PROBE(fixture, no_args);
    STAP_PROBE3(fixture, registers, n, value, text);
    STAP_PROBE3(fixture, narrow, byte, half, (uint32_t)n);
    STAP_PROBE2(fixture, memory, fixture_counter, fixture_small);
    STAP_PROBE2(fixture, constant, 42, -1);
    STAP_PROBE1(fixture, indexed, table[n & 7]);
    fixture_counter += n;
    return table[(n + 1) & 7] + byte + half;
}
