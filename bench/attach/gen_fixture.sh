#!/usr/bin/env bash
# bench/attach/gen_fixture.sh N: writes on stdout a C program with N distinct USDT probes,
# bench:p0 .. bench:p<N-1>, each behind its own semaphore, the way libraries guard theirs.
# Probe k passes k % 4 arguments (none; a long; a long and its negation; two longs and a
# string), so gcc spreads them over registers and the file has several argument layouts, as a
# real library's probes do. `fixture` prints "ready" and waits (pause) so tracers attach to a
# running process; `fixture fire` also runs every enabled probe once a second.
set -euo pipefail
n=${1:?usage: gen_fixture.sh N}
cat <<'HEAD'
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#define SEMAPHORE(name) __extension__ unsigned short bench_##name##_semaphore __attribute__((unused)) __attribute__((section(".probes")))
#define ON(name) __builtin_expect(*(volatile unsigned short *)&bench_##name##_semaphore, 0)
static const char *const label = "bench";
HEAD
for ((k = 0; k < n; k++)); do
    echo "SEMAPHORE(p$k);"
done
echo '__attribute__((noinline)) static void fire(long i)'
echo '{'
for ((k = 0; k < n; k++)); do
    case $((k % 4)) in
        0) echo "    if (ON(p$k)) STAP_PROBE(bench, p$k);" ;;
        1) echo "    if (ON(p$k)) STAP_PROBE1(bench, p$k, i);" ;;
        2) echo "    if (ON(p$k)) STAP_PROBE2(bench, p$k, i, -i);" ;;
        3) echo "    if (ON(p$k)) STAP_PROBE3(bench, p$k, i, i * $k, label);" ;;
    esac
done
echo '}'
cat <<'TAIL'
int main(int argc, char **argv)
{
    int firing = argc > 1 && strcmp(argv[1], "fire") == 0;
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    for (long i = 0; firing; i++) {
        fire(i);
        sleep(1);
    }
    pause();
    return 0;
}
TAIL
