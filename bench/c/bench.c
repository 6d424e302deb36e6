/* Times the four workloads of shared/bench/workloads.json through the C ABI (static
 * libcachepolicy.a), to set beside the Rust figures: the difference is the boundary's cost
 * (copying header lists out into C-owned lists, status codes, handles).
 *
 * Built and run by bench/run.sh:
 *   python3 bench/c/gen_workloads.py workloads.json > workloads.h
 *   cc -O2 -I include -I <dir of workloads.h> bench/c/bench.c -l:libcachepolicy.a ...
 *
 * Prints one JSON object per workload: the median (and minimum) time per operation over
 * ROUNDS rounds of a batch calibrated to about BATCH_NS. `bench <workload> <n>` runs one
 * workload n times without timing, for instruction counts under callgrind.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cachepolicy.h"
#include "workloads.h"

#define ROUNDS 21
#define BATCH_NS 40000000.0

static void check(cachepolicy_status s, const char *what) {
    if (s != CACHEPOLICY_STATUS_OK) {
        fprintf(stderr, "bench.c: %s failed with status %d\n", what, (int)s);
        exit(1);
    }
}

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static const cachepolicy_policy *stored; /* the policy B, C and D start from */
static volatile size_t sink;

/* A: build, storable, fresh hit, response headers. */
static void a_hit(void) {
    cachepolicy_policy *p = NULL;
    check(cachepolicy_policy_new(NULL, &request, &response, WORKLOAD_T0_MS, WORKLOAD_T0_MS, &p, NULL), "policy_new");
    bool storable = false, fresh = false;
    check(cachepolicy_policy_storable(p, &storable), "storable");
    int64_t now = WORKLOAD_T0_MS + 10 * 1000;
    check(cachepolicy_policy_satisfies_without_revalidation(p, &new_request, now, &fresh, NULL), "satisfies");
    if (!storable || !fresh) {
        fprintf(stderr, "bench.c: workload A must be a storable fresh hit\n");
        exit(1);
    }
    cachepolicy_headers *h = NULL;
    check(cachepolicy_policy_response_headers(p, now, &h), "response_headers");
    size_t n = 0;
    check(cachepolicy_headers_count(h, &n), "headers_count");
    sink = n;
    cachepolicy_headers_free(h);
    cachepolicy_policy_free(p);
}

/* B: the revalidation request headers at t0+7200. */
static void b_revalidate(void) {
    cachepolicy_headers *h = NULL;
    check(cachepolicy_policy_revalidation_headers(stored, &new_request, WORKLOAD_T0_MS + 7200 * 1000, &h, NULL), "revalidation_headers");
    size_t n = 0;
    check(cachepolicy_headers_count(h, &n), "headers_count");
    sink = n;
    cachepolicy_headers_free(h);
}

/* C: merge the 304 at t0+4600. */
static void c_304(void) {
    cachepolicy_revalidation r;
    cachepolicy_policy *p = NULL;
    check(cachepolicy_policy_revalidated(stored, &new_request, &not_modified_response, WORKLOAD_T0_MS + 4600 * 1000, &r, &p, NULL), "revalidated");
    if (r.modified) {
        fprintf(stderr, "bench.c: workload C: the 304 must match\n");
        exit(1);
    }
    cachepolicy_policy_free(p);
}

/* D: serialize, deserialize, storable. */
static void d_roundtrip(void) {
    cachepolicy_bytes *bytes = NULL;
    check(cachepolicy_policy_to_bytes(stored, &bytes), "to_bytes");
    const uint8_t *data = NULL;
    size_t len = 0;
    check(cachepolicy_bytes_get(bytes, &data, &len), "bytes_get");
    cachepolicy_policy *p = NULL;
    check(cachepolicy_policy_from_bytes(data, len, &p, NULL), "from_bytes");
    bool storable = false;
    check(cachepolicy_policy_storable(p, &storable), "storable");
    sink = storable;
    cachepolicy_policy_free(p);
    cachepolicy_bytes_free(bytes);
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void time_workload(const char *name, void (*op)(void)) {
    /* Warm up and calibrate the batch size. */
    long n = 1;
    for (;;) {
        double t = now_ns();
        for (long i = 0; i < n; i++) op();
        double elapsed = now_ns() - t;
        if (elapsed > BATCH_NS / 4) {
            n = (long)(n * BATCH_NS / elapsed) + 1;
            break;
        }
        n *= 2;
    }
    double per_op[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        double t = now_ns();
        for (long i = 0; i < n; i++) op();
        per_op[r] = (now_ns() - t) / (double)n;
    }
    qsort(per_op, ROUNDS, sizeof per_op[0], compare);
    printf("{\"lang\":\"C\",\"workload\":\"%s\",\"impl\":\"ours\",\"ns\":%.1f,\"min_ns\":%.1f,\"iterations\":%ld,\"rounds\":%d}\n",
           name, per_op[ROUNDS / 2], per_op[0], n, ROUNDS);
    fflush(stdout);
}

static const struct {
    const char *name;
    void (*op)(void);
} workloads[] = {{"A_hit", a_hit}, {"B_revalidate", b_revalidate}, {"C_304", c_304}, {"D_roundtrip", d_roundtrip}};

/* `bench` times every workload; `bench <workload> <n>` only runs one n times (for callgrind). */
int main(int argc, char **argv) {
    cachepolicy_policy *p = NULL;
    check(cachepolicy_policy_new(NULL, &request, &response, WORKLOAD_T0_MS, WORKLOAD_T0_MS, &p, NULL), "policy_new");
    stored = p;
    size_t count = sizeof workloads / sizeof workloads[0];
    for (size_t i = 0; i < count; i++) {
        if (argc == 3) {
            if (strcmp(argv[1], workloads[i].name) != 0) continue;
            long n = strtol(argv[2], NULL, 10);
            for (long k = 0; k < n; k++) workloads[i].op();
        } else {
            time_workload(workloads[i].name, workloads[i].op);
        }
    }
    cachepolicy_policy_free(p);
    return 0;
}
