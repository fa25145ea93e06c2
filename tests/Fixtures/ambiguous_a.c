/* With ambiguous_b.c: two translation units, each with its own static `level`, so the
 * stapsdt note says only "level(%rip)" and the symbol table defines `level` twice. */
#include <sys/sdt.h>
static volatile long level = 1;
void fire_a(void) { STAP_PROBE1(twice, a, level); }
