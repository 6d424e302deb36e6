/* One policy shared by several pthreads without locking: every thread asks every question
 * at once and must get the answers the main thread got. Threads also build, serialize and
 * free policies of their own at the same time (the library has no global state to race on).
 *
 * CACHEPOLICY_TEST_ITERATIONS sets the iterations per thread (default 2000; fewer under valgrind).
 * A second test runs only evaluations: 8 threads × 1,000,000 (CACHEPOLICY_TEST_EVALUATIONS). */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixtures.h"

#define THREADS 8

/* What the main thread saw, which every thread must see too. */
struct expected {
    const cachepolicy_policy *policy;
    uint8_t *bytes;
    size_t bytes_length;
    int iterations;
};

struct worker {
    const struct expected *expected;
    int index;
    int failures;
};

#define EXPECT(cond)              \
    do {                          \
        if (!(cond)) {            \
            worker->failures++;   \
        }                         \
    } while (0)

static void *work(void *argument) {
    struct worker *worker = (struct worker *)argument;
    const struct expected *expected = worker->expected;
    const cachepolicy_policy *policy = expected->policy;
    int i;
    for (i = 0; i < expected->iterations; i++) {
        /* Each thread asks at its own times, so answers differ per thread but are known. */
        const int64_t seconds = (worker->index * 7 + i) % 100;
        const int64_t now = T0 + SECONDS(seconds);
        cachepolicy_evaluation evaluation;
        cachepolicy_headers *served = NULL, *conditional = NULL;
        cachepolicy_policy *own = NULL;
        int64_t ms = -1;
        bool flag = false;
        char age[16];
        size_t length = 0;
        uint8_t *bytes = NULL;

        EXPECT(cachepolicy_policy_evaluate(policy, &GET_REQUEST, now, &evaluation, &served, &conditional, NULL) == CACHEPOLICY_STATUS_OK);
        EXPECT(evaluation.decision == CACHEPOLICY_DECISION_FRESH && served != NULL && conditional == NULL);
        snprintf(age, sizeof(age), "%d", (int)seconds);
        EXPECT(has_header(served, "age", age));
        EXPECT(has_header(served, "etag", "\"v1\""));
        cachepolicy_headers_free(served);

        EXPECT(cachepolicy_policy_age(policy, now, &ms) == CACHEPOLICY_STATUS_OK && ms == SECONDS(seconds));
        EXPECT(cachepolicy_policy_time_to_live(policy, now, &ms) == CACHEPOLICY_STATUS_OK && ms == SECONDS(3600 - seconds));
        EXPECT(cachepolicy_policy_satisfies_without_revalidation(policy, &GET_REQUEST, now, &flag, NULL) == CACHEPOLICY_STATUS_OK && flag);
        EXPECT(cachepolicy_policy_revalidation_headers(policy, &GET_REQUEST, now, &conditional, NULL) == CACHEPOLICY_STATUS_OK);
        EXPECT(has_header(conditional, "if-none-match", "\"v1\""));
        cachepolicy_headers_free(conditional);

        /* The shared policy serializes to the same bytes everywhere. */
        if (i % 10 == 0) {
            bytes = serialize(policy, &length);
            EXPECT(bytes != NULL && length == expected->bytes_length && memcmp(bytes, expected->bytes, length) == 0);
            free(bytes);
            /* A policy of this thread's own, built, read back and freed concurrently. */
            EXPECT(cachepolicy_policy_from_bytes(expected->bytes, expected->bytes_length, &own, NULL) == CACHEPOLICY_STATUS_OK);
            EXPECT(cachepolicy_policy_age(own, now, &ms) == CACHEPOLICY_STATUS_OK && ms == SECONDS(seconds));
            cachepolicy_policy_free(own);
            own = fresh_policy();
            EXPECT(own != NULL);
            cachepolicy_policy_free(own);
        }
    }
    return NULL;
}

static void threads_share_one_policy(void) {
    struct expected expected;
    struct worker workers[THREADS];
    pthread_t threads[THREADS];
    const char *iterations = getenv("CACHEPOLICY_TEST_ITERATIONS");
    cachepolicy_policy *policy = fresh_policy();
    int i, started = 0;

    CHECK(policy != NULL);
    expected.policy = policy;
    expected.bytes = serialize(policy, &expected.bytes_length);
    expected.iterations = iterations != NULL ? atoi(iterations) : 2000;
    CHECK(expected.bytes != NULL && expected.iterations > 0);

    for (i = 0; i < THREADS; i++) {
        workers[i].expected = &expected;
        workers[i].index = i;
        workers[i].failures = 0;
        if (pthread_create(&threads[i], NULL, work, &workers[i]) == 0) {
            started++;
        }
    }
    CHECK(started == THREADS);
    for (i = 0; i < started; i++) {
        CHECK(pthread_join(threads[i], NULL) == 0);
        if (workers[i].failures != 0) {
            fprintf(stderr, "thread %d: %d failed expectations\n", i, workers[i].failures);
        }
        CHECK(workers[i].failures == 0);
    }
    free(expected.bytes);
    cachepolicy_policy_free(policy);
}

/* The hot path alone: 8 threads × CACHEPOLICY_TEST_EVALUATIONS evaluations of one policy
 * (default 1,000,000 each; 10 × CACHEPOLICY_TEST_ITERATIONS when only that is set, as under
 * valgrind), each compared with the answer the main thread got for the same request and time. */
#define TIMES 300
#define VARIANTS 3

struct hot {
    const cachepolicy_policy *policy;
    const cachepolicy_request *requests;
    uint32_t expected[VARIANTS][TIMES][2];
    long evaluations;
};

struct hot_worker {
    const struct hot *hot;
    int index;
    long mismatches;
};

static void *evaluate_only(void *argument) {
    struct hot_worker *worker = (struct hot_worker *)argument;
    const struct hot *hot = worker->hot;
    long i;
    for (i = 0; i < hot->evaluations; i++) {
        const long k = (i * 7 + worker->index * 13) % (VARIANTS * TIMES);
        const int variant = (int)(k % VARIANTS), second = (int)(k / VARIANTS);
        cachepolicy_evaluation e;
        if (cachepolicy_policy_evaluate(hot->policy, &hot->requests[variant], T0 + SECONDS(second * 20), &e, NULL, NULL, NULL) != CACHEPOLICY_STATUS_OK ||
            e.decision != hot->expected[variant][second][0] || e.reason != hot->expected[variant][second][1]) {
            worker->mismatches++;
        }
    }
    return NULL;
}

static void eight_threads_evaluate_with_identical_answers(void) {
    static const cachepolicy_header gzip[] = { CACHEPOLICY_HEADER_LITERAL("accept-encoding", "gzip") };
    static const cachepolicy_header br[] = { CACHEPOLICY_HEADER_LITERAL("accept-encoding", "br") };
    static const cachepolicy_header stale[] = { CACHEPOLICY_HEADER_LITERAL("accept-encoding", "gzip"), CACHEPOLICY_HEADER_LITERAL("cache-control", "max-stale=600") };
    static const cachepolicy_header response_lines[] = {
        CACHEPOLICY_HEADER_LITERAL("date", "Tue, 14 Nov 2023 22:13:20 GMT"),
        CACHEPOLICY_HEADER_LITERAL("cache-control", "max-age=2000, stale-while-revalidate=1000"),
        CACHEPOLICY_HEADER_LITERAL("etag", "\"v1\""),
        CACHEPOLICY_HEADER_LITERAL("vary", "Accept-Encoding"),
    };
    const cachepolicy_request requests[VARIANTS] = {
        { CACHEPOLICY_LITERAL("GET"), CACHEPOLICY_LITERAL("https://example.com/app.js"), gzip, 1 },
        { CACHEPOLICY_LITERAL("GET"), CACHEPOLICY_LITERAL("https://example.com/app.js"), br, 1 },
        { CACHEPOLICY_LITERAL("GET"), CACHEPOLICY_LITERAL("https://example.com/app.js"), stale, 2 },
    };
    const cachepolicy_response response = { 200, response_lines, sizeof(response_lines) / sizeof(response_lines[0]) };
    const char *evaluations = getenv("CACHEPOLICY_TEST_EVALUATIONS");
    const char *iterations = getenv("CACHEPOLICY_TEST_ITERATIONS");
    static struct hot hot;
    struct hot_worker workers[THREADS];
    pthread_t threads[THREADS];
    cachepolicy_policy *policy = NULL;
    int i, v, started = 0;
    long mismatches = 0;

    CHECK_OK(cachepolicy_policy_new(NULL, &requests[0], &response, T0, T0, &policy, NULL));
    hot.policy = policy;
    hot.requests = requests;
    hot.evaluations = evaluations != NULL ? atol(evaluations) : iterations != NULL ? 10L * atol(iterations) : 1000000L;
    for (v = 0; v < VARIANTS; v++) {
        for (i = 0; i < TIMES; i++) {
            cachepolicy_evaluation e;
            CHECK_OK(cachepolicy_policy_evaluate(policy, &requests[v], T0 + SECONDS(i * 20), &e, NULL, NULL, NULL));
            hot.expected[v][i][0] = e.decision;
            hot.expected[v][i][1] = e.reason;
        }
    }
    /* The answers differ with the request and the time: fresh, stale (max-stale), stale while
     * revalidating, revalidate, no match (Vary). */
    CHECK(hot.expected[0][0][0] == CACHEPOLICY_DECISION_FRESH && hot.expected[1][0][0] == CACHEPOLICY_DECISION_NO_MATCH);
    CHECK(hot.expected[0][120][0] == CACHEPOLICY_DECISION_STALE_WHILE_REVALIDATE && hot.expected[2][120][0] == CACHEPOLICY_DECISION_STALE);
    CHECK(hot.expected[0][200][0] == CACHEPOLICY_DECISION_REVALIDATE);
    for (i = 0; i < THREADS; i++) {
        workers[i].hot = &hot;
        workers[i].index = i;
        workers[i].mismatches = 0;
        if (pthread_create(&threads[i], NULL, evaluate_only, &workers[i]) == 0) {
            started++;
        }
    }
    CHECK(started == THREADS);
    for (i = 0; i < started; i++) {
        CHECK(pthread_join(threads[i], NULL) == 0);
        mismatches += workers[i].mismatches;
    }
    CHECK(mismatches == 0);
    printf("test_threads: %d threads x %ld evaluations, %ld different answers\n", started, hot.evaluations, mismatches);
    cachepolicy_policy_free(policy);
}

int main(void) {
    RUN(threads_share_one_policy);
    RUN(eight_threads_evaluate_with_identical_answers);
    return finish("test_threads");
}
