/* See ambiguous_a.c: the second `level`, and the program that fires both probes. */
#include <sys/sdt.h>
static volatile long level = 1;
void fire_a(void);
void fire_b(void) { STAP_PROBE1(twice, b, level); }
int main(void) { fire_a(); fire_b(); return 0; }
