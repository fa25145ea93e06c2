/*
 * libprobes: the probe sites of Probe ABI v2 (see DESIGN.md): v1's three probes, unchanged,
 * and phase_context, which ties a phase to the application's W3C trace.
 *
 * Each exported function is nothing but one stapsdt probe site. The managed SDK reads the
 * exported semaphores itself and only calls in here when a tracer has raised them, so the
 * functions below never test a semaphore: doing it twice would cost a load for nothing.
 * A phase_end must fire even when the tracer left between begin and end, which is another
 * reason the decision lives in the caller (it knows whether its begin fired).
 *
 * Build with -DPROBES_COUNT_CALLS to get probes_call_count(), used by the tests to prove
 * that a disabled probe never reaches native code. Release builds do not have it.
 */
#define _SDT_HAS_SEMAPHORES 1
#include <stdint.h>
#include <sys/sdt.h>

#define PROBES_EXPORT __attribute__((visibility("default")))
/* Semaphores live in their own section, as systemtap's dtrace(1) places them, so a reader
 * can find them and the kernel's ref_ctr_offset points into writable data. */
#define PROBES_SEMAPHORE(name) \
    PROBES_EXPORT volatile unsigned short probes_##name##_semaphore __attribute__((section(".probes"))) = 0

PROBES_SEMAPHORE(phase_begin);
PROBES_SEMAPHORE(phase_end);
PROBES_SEMAPHORE(mark);
/* ABI v2. Its own semaphore, so a tracer that only pairs phases (and bpftrace on v1's probes)
 * never makes the SDK read Activity.Current. */
PROBES_SEMAPHORE(phase_context);

#ifdef PROBES_COUNT_CALLS
/* Test build only: counts calls and keeps the last call's arguments, plus a ring of the last 4096
 * calls by number (probes_call_at) so tests can read whole sequences. Read a call after it returned. */
struct probes_test_call {
    uint32_t kind; /* 1 = phase_begin, 2 = phase_end, 3 = mark, 4 = phase_context */
    uint32_t id;
    const char *name;
    uint64_t span_id;
    int64_t extra; /* parent_span_id, status or value */
    uint64_t trace_id_hi, trace_id_lo; /* phase_context only */
};
static volatile uint64_t call_count;
static struct probes_test_call last_call, call_ring[4096];
PROBES_EXPORT uint64_t probes_call_count(void) { return __atomic_load_n(&call_count, __ATOMIC_RELAXED); }
PROBES_EXPORT void probes_last_call(struct probes_test_call *out) { *out = last_call; }
PROBES_EXPORT int probes_call_at(uint64_t i, struct probes_test_call *out) { uint64_t n = __atomic_load_n(&call_count, __ATOMIC_ACQUIRE); if (i >= n || n - i > 4096) return 0; *out = call_ring[i % 4096]; return 1; }
#define COUNT_CALL_TRACE(k, i, n, s, e, hi, lo) \
    do { struct probes_test_call c_ = { (k), (i), (n), (s), (int64_t)(e), (hi), (lo) }; \
        last_call = call_ring[__atomic_fetch_add(&call_count, 1, __ATOMIC_ACQ_REL) % 4096] = c_; \
    } while (0)
#else
#define COUNT_CALL_TRACE(k, i, n, s, e, hi, lo) ((void)0)
#endif
#define COUNT_CALL(k, i, n, s, e) COUNT_CALL_TRACE(k, i, n, s, e, 0, 0)

/* The ABI version lets a consumer (or a curious human with nm) tell which probe set a
 * given libprobes.so carries without parsing notes. */
PROBES_EXPORT uint32_t probes_abi_version(void) { return 2; }

PROBES_EXPORT __attribute__((noinline)) void
probes_phase_begin(uint32_t phase_id, const char *phase_name, uint64_t span_id, uint64_t parent_span_id)
{
    COUNT_CALL(1, phase_id, phase_name, span_id, parent_span_id);
    STAP_PROBE4(probes, phase_begin, phase_id, phase_name, span_id, parent_span_id);
}

PROBES_EXPORT __attribute__((noinline)) void
probes_phase_end(uint32_t phase_id, const char *phase_name, uint64_t span_id, int32_t status)
{
    COUNT_CALL(2, phase_id, phase_name, span_id, status);
    STAP_PROBE4(probes, phase_end, phase_id, phase_name, span_id, status);
}

PROBES_EXPORT __attribute__((noinline)) void
probes_mark(uint32_t mark_id, const char *name, int64_t value)
{
    COUNT_CALL(3, mark_id, name, 0, value);
    STAP_PROBE3(probes, mark, mark_id, name, value);
}

/* ABI v2: fired right after phase_begin, on the same thread, when the phase runs inside a W3C
 * activity: the trace id as two big-endian halves and the activity's own span id. */
PROBES_EXPORT __attribute__((noinline)) void
probes_phase_context(uint64_t span_id, uint64_t trace_id_hi, uint64_t trace_id_lo, uint64_t parent_span_id)
{
    COUNT_CALL_TRACE(4, 0, 0, span_id, parent_span_id, trace_id_hi, trace_id_lo);
    STAP_PROBE4(probes, phase_context, span_id, trace_id_hi, trace_id_lo, parent_span_id);
}
