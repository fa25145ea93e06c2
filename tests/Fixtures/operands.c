/* Every x86-64 operand form gcc puts into stapsdt notes, with values the tests know.
 *
 * Built at test time as a PIE, a fixed-address executable and a shared library (then with
 * operands_main.c as its user), each at -O0, -O2 and -O3: -O0 passes arguments on the stack,
 * -O2/-O3 in registers of every width, and the volatile globals keep their memory operands,
 * which gcc writes as symbol-relative forms: counter(%rip), pair+8(%rip) or 8+pair(%rip),
 * table(,%rdi,4), shorts(%rsi,%rsi), table-8(,%rdi,4) in a fixed-address executable, and
 * %fs:tls_int@tpoff for thread-locals of an executable. A few probes are written in assembly
 * (STAP_PROBE_ASM) for forms no C expression makes gcc choose: %ah, absolute symbols, $sym.
 *
 * Each probe's function prints "hit <probe> <arg0> <arg1> ..." with the values it passed, in
 * decimal as `probes trace --json` prints them (signed when the note says so; floating-point
 * arguments as their raw bits), so a test compares the two line by line.
 */
#include <sys/sdt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef OPERANDS_SHARED
/* A shared library reaches its thread-locals through the GOT; initial-exec makes that %fs:(%reg). */
#define TLS __thread __attribute__((tls_model("initial-exec")))
#else
#define TLS __thread
#endif

volatile int32_t table[16];
volatile int16_t shorts[8];
static volatile uint8_t bytes[8];
volatile int64_t counter;
static volatile uint64_t hidden_counter;
struct pair { int32_t a; int64_t b; };
volatile struct pair pair;
TLS int32_t tls_int;
TLS int64_t tls_array[4];
volatile double real;

static void say(const char *probe, int count, const int64_t *values, const int *is_signed)
{
    printf("hit %s", probe);
    for (int k = 0; k < count; k++) {
        if (is_signed[k]) {
            printf(" %" PRId64, values[k]);
        } else {
            printf(" %" PRIu64, (uint64_t)values[k]);
        }
    }
    printf("\n");
}

static uint64_t bits_of_double(double d) { uint64_t u; memcpy(&u, &d, sizeof u); return u; }
static uint32_t bits_of_float(float f) { uint32_t u; memcpy(&u, &f, sizeof u); return u; }

__attribute__((noinline)) void operands_widths(int i)
{
    int8_t sc = (int8_t)(-3 - i);
    uint8_t uc = (uint8_t)(250 + i);
    int16_t ss = (int16_t)(-30000 + i);
    uint16_t us = (uint16_t)(65000 + i);
    int32_t si = -2000000000 + i;
    uint32_t ui = 4000000000u + (uint32_t)i;
    int64_t sl = INT64_MIN + i;
    uint64_t ul = UINT64_MAX - (uint64_t)i;
    STAP_PROBE8(operands, widths, sc, uc, ss, us, si, ui, sl, ul);
    say("widths", 8, (int64_t[]){ sc, uc, ss, us, si, ui, sl, (int64_t)ul }, (int[]){ 1, 0, 1, 0, 1, 0, 1, 0 });
}

__attribute__((noinline)) void operands_globals(void)
{
    STAP_PROBE5(operands, globals, counter, hidden_counter, pair.b, pair.a, bytes[3]);
    say("globals", 5, (int64_t[]){ counter, (int64_t)hidden_counter, pair.b, pair.a, bytes[3] }, (int[]){ 1, 0, 1, 1, 0 });
}

__attribute__((noinline)) void operands_arrays(long i, long j)
{
    STAP_PROBE5(operands, arrays, table[i], table[j * 2], shorts[j], bytes[i], table[i - 2]);
    say("arrays", 5, (int64_t[]){ table[i], table[j * 2], shorts[j], bytes[i], table[i - 2] }, (int[]){ 1, 1, 1, 0, 1 });
}

/* A constant offset on a symbol with an index: table-8(,%rsi,4) and table+12(,%rsi,4) in a
 * fixed-address executable. The caller prints the values: reading them here again would make
 * gcc compute j - 2 once, in a register, for both. */
__attribute__((noinline)) void operands_offsets(long unused, long j)
{
    (void)unused;
    STAP_PROBE2(operands, offsets, table[j - 2], table[j + 3]);
}

__attribute__((noinline)) void operands_pointers(int64_t *p, long j)
{
    STAP_PROBE3(operands, pointers, p[j], p[-3], p[j - 1]);
    say("pointers", 3, (int64_t[]){ p[j], p[-3], p[j - 1] }, (int[]){ 1, 1, 1 });
}

__attribute__((noinline)) void operands_constants(void)
{
    STAP_PROBE4(operands, constants, 42, -1, INT64_MIN, (uint16_t)65535);
    say("constants", 4, (int64_t[]){ 42, -1, INT64_MIN, 65535 }, (int[]){ 1, 1, 1, 0 });
}

__attribute__((noinline)) void operands_tls(long i)
{
    STAP_PROBE2(operands, tls, tls_int, tls_array[i]);
    say("tls", 2, (int64_t[]){ tls_int, tls_array[i] }, (int[]){ 1, 1 });
}

__attribute__((noinline)) void operands_floats(double d, float f)
{
    STAP_PROBE3(operands, floats, d, f, real);
    say("floats", 3, (int64_t[]){ (int64_t)bits_of_double(d), bits_of_float(f), (int64_t)bits_of_double(real) }, (int[]){ 0, 0, 0 });
}

/* Forms gcc does not choose on its own: a high-byte register, symbols without %rip (an
 * absolute address, moved by the load bias like any symbol in a note), and a symbol's address. */
__attribute__((noinline)) void operands_written(unsigned value)
{
    __asm__ __volatile__(
        "movb %b0, %%ah\n\t"
        "movb %b1, %%bh\n\t"
        STAP_PROBE_ASM(operands, written, 1@%%ah -1@%%bh -8@counter 4@table+8 8@$table 2@shorts+2)
        : : "Q"(value), "Q"(value + 1) : "rax", "rbx");
    say("written", 6, (int64_t[]){ (uint8_t)value, (int8_t)(value + 1), counter, (uint32_t)table[2], (int64_t)(uintptr_t)table, (uint16_t)shorts[1] },
        (int[]){ 0, 1, 1, 0, 0, 0 });
}

void operands_run(int iterations)
{
    int64_t local[8];
    for (int i = 0; i < iterations; i++) {
        for (int k = 0; k < 16; k++) {
            table[k] = -1000 * k - i;
        }
        for (int k = 0; k < 8; k++) {
            shorts[k] = (int16_t)(-300 * k + i);
            bytes[k] = (uint8_t)(200 + k + i);
            local[k] = -7000000000LL * k + i;
        }
        counter = -0x123456789aLL - i;
        hidden_counter = 0xfedcba9876543210ULL + (uint64_t)i;
        pair.a = -77 - i;
        pair.b = 0x1122334455667788LL + i;
        tls_int = -555 - i;
        for (int k = 0; k < 4; k++) {
            tls_array[k] = 9000000000LL * (k + 1) + i;
        }
        real = -2.5 * (i + 1);

        operands_widths(i);
        operands_globals();
        operands_arrays(2 + i % 8, i % 4);
        say("offsets", 2, (int64_t[]){ table[2 + i % 8 - 2], table[2 + i % 8 + 3] }, (int[]){ 1, 1 });
        operands_offsets(0, 2 + i % 8);
        operands_pointers(local + 4, i % 4);
        operands_constants();
        operands_tls(i % 4);
        operands_floats(1.25 * (i + 1), -0.5f * (float)(i + 1));
        operands_written(0x41 + (unsigned)i);
    }
    fflush(stdout);
}
