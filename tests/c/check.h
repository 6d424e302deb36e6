/* A minimal test harness for the C tests: CHECK records a failure and goes on; RUN runs one
 * test function; finish() prints "NAME: N passed, N failed" and gives the exit status. */
#ifndef CACHEPOLICY_TEST_CHECK_H
#define CACHEPOLICY_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

#include "cachepolicy.h"

static int check_test_failed;
static int check_passed;
static int check_failed;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            check_test_failed = 1;                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
        }                                                                              \
    } while (0)

#define CHECK_STATUS(call, expected) CHECK((call) == (expected))
#define CHECK_OK(call) CHECK_STATUS(call, CACHEPOLICY_STATUS_OK)

/* Whether (ptr, len) holds exactly the NUL-terminated text. */
static inline int same_text(const char *ptr, size_t len, const char *text) {
    return ptr != NULL && len == strlen(text) && memcmp(ptr, text, len) == 0;
}

/* Whether a static string returned by a lookup function equals text. */
static inline int is_text(const char *returned, const char *text) {
    return returned != NULL && strcmp(returned, text) == 0;
}

#define RUN(test)                                                                      \
    do {                                                                               \
        check_test_failed = 0;                                                         \
        test();                                                                        \
        if (check_test_failed) {                                                       \
            check_failed++;                                                            \
            fprintf(stderr, "FAIL %s\n", #test);                                       \
        } else {                                                                       \
            check_passed++;                                                            \
        }                                                                              \
    } while (0)

static inline int finish(const char *suite) {
    printf("%s: %d passed, %d failed\n", suite, check_passed, check_failed);
    return check_failed == 0 ? 0 : 1;
}

#endif
