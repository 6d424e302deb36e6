/* Shared exchanges and helpers for the C tests. */
#ifndef CACHEPOLICY_TEST_FIXTURES_H
#define CACHEPOLICY_TEST_FIXTURES_H

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cachepolicy.h"

/* Tue, 14 Nov 2023 22:13:20 GMT, in Unix milliseconds. */
#define T0 INT64_C(1700000000000)
#define SECONDS(n) ((int64_t)(n) * 1000)

static const cachepolicy_header GET_HEADERS[] = {
    CACHEPOLICY_HEADER_LITERAL("host", "example.com"),
    CACHEPOLICY_HEADER_LITERAL("accept", "*/*"),
};

static const cachepolicy_request GET_REQUEST = {
    CACHEPOLICY_LITERAL("GET"),
    CACHEPOLICY_LITERAL("https://example.com/app.js"),
    GET_HEADERS,
    sizeof(GET_HEADERS) / sizeof(GET_HEADERS[0]),
};

/* A fresh-for-an-hour response with validators and a hop-by-hop field. */
static const cachepolicy_header FRESH_HEADERS[] = {
    CACHEPOLICY_HEADER_LITERAL("date", "Tue, 14 Nov 2023 22:13:20 GMT"),
    CACHEPOLICY_HEADER_LITERAL("cache-control", "max-age=3600, stale-if-error=600"),
    CACHEPOLICY_HEADER_LITERAL("etag", "\"v1\""),
    CACHEPOLICY_HEADER_LITERAL("last-modified", "Mon, 13 Nov 2023 22:13:20 GMT"),
    CACHEPOLICY_HEADER_LITERAL("connection", "x-hop"),
    CACHEPOLICY_HEADER_LITERAL("x-hop", "1"),
    CACHEPOLICY_HEADER_LITERAL("content-type", "text/javascript"),
};

static const cachepolicy_response FRESH_RESPONSE = {
    200,
    FRESH_HEADERS,
    sizeof(FRESH_HEADERS) / sizeof(FRESH_HEADERS[0]),
};

static inline cachepolicy_policy *fresh_policy(void) {
    cachepolicy_policy *policy = NULL;
    if (cachepolicy_policy_new(NULL, &GET_REQUEST, &FRESH_RESPONSE, T0, T0, &policy, NULL) != CACHEPOLICY_STATUS_OK) {
        return NULL;
    }
    return policy;
}

static inline int equal_ignoring_case(const char *a, size_t a_len, const char *b) {
    size_t i;
    if (a_len != strlen(b)) {
        return 0;
    }
    for (i = 0; i < a_len; i++) {
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i])) {
            return 0;
        }
    }
    return 1;
}

/* The first line named `name` in a header list; 0 when there is none. */
static inline int find_header(const cachepolicy_headers *list, const char *name, cachepolicy_header *found) {
    size_t count = 0, i;
    if (cachepolicy_headers_count(list, &count) != CACHEPOLICY_STATUS_OK) {
        return 0;
    }
    for (i = 0; i < count; i++) {
        cachepolicy_header line;
        if (cachepolicy_headers_get(list, i, &line) == CACHEPOLICY_STATUS_OK && equal_ignoring_case(line.name, line.name_len, name)) {
            *found = line;
            return 1;
        }
    }
    return 0;
}

/* Whether a header list has a line `name` whose value is exactly `value`. */
static inline int has_header(const cachepolicy_headers *list, const char *name, const char *value) {
    cachepolicy_header line;
    return find_header(list, name, &line) && line.value_len == strlen(value) && memcmp(line.value, value, line.value_len) == 0;
}

/* Serializes a policy into a malloc'ed buffer (freed by the caller with free()). */
static inline uint8_t *serialize(const cachepolicy_policy *policy, size_t *length) {
    cachepolicy_bytes *bytes = NULL;
    const uint8_t *data = NULL;
    uint8_t *copy = NULL;
    *length = 0;
    if (cachepolicy_policy_to_bytes(policy, &bytes) == CACHEPOLICY_STATUS_OK &&
        cachepolicy_bytes_get(bytes, &data, length) == CACHEPOLICY_STATUS_OK) {
        copy = (uint8_t *)malloc(*length);
        if (copy != NULL) {
            memcpy(copy, data, *length);
        }
    }
    cachepolicy_bytes_free(bytes);
    return copy;
}

#endif
