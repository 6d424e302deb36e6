/* One policy shared by several pthreads without locking: every thread asks every question
 * at once and must get the answers the main thread got. Threads also build, serialize and
 * free policies of their own at the same time (the library has no global state to race on).
 *
 * CACHEPOLICY_TEST_ITERATIONS sets the iterations per thread (default 2000; fewer under valgrind). */
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

int main(void) {
    RUN(threads_share_one_policy);
    return finish("test_threads");
}
