/* The security invariants and the bad-input matrix of SECURITY.md, through the C ABI: a shared
 * cache never stores or serves private or (without permission) authorized responses;
 * Set-Cookie responses are revalidated even under max-stale; max-stale never overrides
 * must-revalidate, proxy-revalidate or no-cache; Vary: * and hostile Vary names never match
 * wrongly; CR, LF and NUL never reach a header handed out; a 1 MB value, 100,000 header lines,
 * negative and overflowing numbers, invalid dates and bogus serialized bytes give their
 * documented status or a conservative answer, without crashing, leaking or taking long.
 *
 * Runs under AddressSanitizer + UndefinedBehaviorSanitizer and valgrind (tests/c/run.sh). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "fixtures.h"

#define URL "https://example.com/a"
#define H(name, value) CACHEPOLICY_HEADER_LITERAL(name, value)
#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

static cachepolicy_request request_of(const cachepolicy_header *headers, size_t count) {
    cachepolicy_request r = { CACHEPOLICY_LITERAL("GET"), CACHEPOLICY_LITERAL(URL), NULL, 0 };
    r.headers = headers;
    r.headers_len = count;
    return r;
}

/* The policy of a 200 response to GET URL, built with `options` (NULL: shared defaults). */
static cachepolicy_policy *build(const cachepolicy_options *options, const cachepolicy_header *req, size_t req_len,
                                 const cachepolicy_header *res, size_t res_len) {
    cachepolicy_request request = request_of(req, req_len);
    cachepolicy_response response = { 200, NULL, 0 };
    cachepolicy_policy *policy = NULL;
    response.headers = res;
    response.headers_len = res_len;
    if (cachepolicy_policy_new(options, &request, &response, T0, T0, &policy, NULL) != CACHEPOLICY_STATUS_OK) {
        return NULL;
    }
    return policy;
}

static cachepolicy_options *private_cache(void) {
    cachepolicy_options *options = cachepolicy_options_new();
    cachepolicy_options_set_shared(options, false);
    return options;
}

/* The decision for a request with these lines, `seconds` after T0; -1 on failure. */
static int decide(const cachepolicy_policy *policy, const cachepolicy_header *req, size_t req_len, int64_t seconds,
                  cachepolicy_reason *reason) {
    cachepolicy_request request = request_of(req, req_len);
    cachepolicy_evaluation e;
    if (cachepolicy_policy_evaluate(policy, &request, T0 + SECONDS(seconds), &e, NULL, NULL, NULL) != CACHEPOLICY_STATUS_OK) {
        return -1;
    }
    if (reason != NULL) {
        *reason = e.reason;
    }
    return (int)e.decision;
}

static int storable(const cachepolicy_policy *policy) {
    bool out = true;
    return policy != NULL && cachepolicy_policy_storable(policy, &out) == CACHEPOLICY_STATUS_OK && out;
}

/* Whether no line of a list handed out holds CR, LF or NUL, and each is NUL-terminated. */
static int clean_and_free(cachepolicy_headers *list) {
    size_t count = 0, i, j;
    int ok = list != NULL && cachepolicy_headers_count(list, &count) == CACHEPOLICY_STATUS_OK;
    for (i = 0; ok && i < count; i++) {
        cachepolicy_header line;
        ok = cachepolicy_headers_get(list, i, &line) == CACHEPOLICY_STATUS_OK && line.name[line.name_len] == '\0' &&
             line.value[line.value_len] == '\0';
        for (j = 0; ok && j < line.value_len; j++) {
            ok = line.value[j] != '\r' && line.value[j] != '\n' && line.value[j] != '\0';
        }
        for (j = 0; ok && j < line.name_len; j++) {
            ok = (unsigned char)line.name[j] > ' ' && line.name[j] != ':';
        }
    }
    cachepolicy_headers_free(list);
    return ok;
}

static const cachepolicy_header MAX_STALE[] = { H("cache-control", "max-stale") };
static const cachepolicy_header MAX_STALE_LONG[] = { H("Cache-Control", "max-stale=999999, stale-if-error=999999") };

static void shared_cache_never_stores_or_serves_private(void) {
    static const char *const values[] = { "private", "private, max-age=600", "PRIVATE, public, s-maxage=60", "max-age=600, Private" };
    cachepolicy_options *private_options = private_cache();
    size_t i;
    for (i = 0; i < COUNT(values); i++) {
        cachepolicy_header res[] = { H("date", "Tue, 14 Nov 2023 22:13:20 GMT"), { "cache-control", 13, values[i], strlen(values[i]) } };
        cachepolicy_policy *policy = build(NULL, NULL, 0, res, COUNT(res));
        cachepolicy_reason reason = CACHEPOLICY_REASON_NONE;
        int d;
        CHECK(policy != NULL && !storable(policy));
        CHECK_OK(cachepolicy_policy_not_storable_reason(policy, &reason));
        CHECK(reason == CACHEPOLICY_REASON_PRIVATE_IN_SHARED_CACHE);
        d = decide(policy, MAX_STALE, 1, 1, NULL);
        CHECK(d == CACHEPOLICY_DECISION_NO_MATCH);
        cachepolicy_policy_free(policy);
        policy = build(private_options, NULL, 0, res, COUNT(res));
        CHECK(storable(policy));
        cachepolicy_policy_free(policy);
    }
    /* private="x-user": a shared cache drops the field. */
    {
        cachepolicy_header res[] = { H("cache-control", "max-age=600, private=\"x-user\""), H("x-user", "alice"), H("x-other", "1") };
        cachepolicy_policy *policy = build(NULL, NULL, 0, res, COUNT(res));
        cachepolicy_headers *served = NULL;
        cachepolicy_header line;
        CHECK(storable(policy));
        CHECK_OK(cachepolicy_policy_response_headers(policy, T0, &served));
        CHECK(!find_header(served, "x-user", &line));
        CHECK(find_header(served, "x-other", &line));
        cachepolicy_headers_free(served);
        cachepolicy_policy_free(policy);
    }
    cachepolicy_options_free(private_options);
}

static void shared_cache_never_stores_authorized_responses_without_permission(void) {
    static const cachepolicy_header alice[] = { H("Authorization", "Bearer alice") };
    static const cachepolicy_header mallory[] = { H("authorization", "Bearer mallory") };
    static const char *const refused[] = { "max-age=600", "max-age=600, immutable", "max-age=600, proxy-revalidate" };
    static const char *const allowed[] = { "public, max-age=600", "s-maxage=600", "max-age=600, must-revalidate" };
    cachepolicy_options *options = NULL;
    cachepolicy_policy *policy;
    cachepolicy_reason reason = CACHEPOLICY_REASON_NONE;
    size_t i;
    for (i = 0; i < COUNT(refused); i++) {
        cachepolicy_header res[] = { { "cache-control", 13, refused[i], strlen(refused[i]) } };
        policy = build(NULL, alice, 1, res, 1);
        CHECK(policy != NULL && !storable(policy));
        CHECK_OK(cachepolicy_policy_not_storable_reason(policy, &reason));
        CHECK(reason == CACHEPOLICY_REASON_AUTHORIZATION_IN_SHARED_CACHE);
        CHECK(decide(policy, alice, 1, 1, NULL) == CACHEPOLICY_DECISION_NO_MATCH);
        cachepolicy_policy_free(policy);
    }
    for (i = 0; i < COUNT(allowed); i++) {
        cachepolicy_header res[] = { { "cache-control", 13, allowed[i], strlen(allowed[i]) } };
        policy = build(NULL, alice, 1, res, 1);
        CHECK(storable(policy));
        cachepolicy_policy_free(policy);
    }
    /* An accelerator keys on Authorization: served only to the same value. */
    CHECK_OK(cachepolicy_options_new_profile(CACHEPOLICY_LITERAL("accelerator"), &options, NULL));
    CHECK_OK(cachepolicy_options_set_store_https(options, true));
    {
        cachepolicy_header res[] = { H("cache-control", "max-age=600") };
        policy = build(options, alice, 1, res, 1);
        CHECK(storable(policy));
        CHECK(decide(policy, alice, 1, 1, NULL) == CACHEPOLICY_DECISION_FRESH);
        CHECK(decide(policy, mallory, 1, 1, &reason) == CACHEPOLICY_DECISION_NO_MATCH && reason == CACHEPOLICY_REASON_VARY_MISMATCH);
        CHECK(decide(policy, NULL, 0, 1, &reason) == CACHEPOLICY_DECISION_NO_MATCH && reason == CACHEPOLICY_REASON_VARY_MISMATCH);
        cachepolicy_policy_free(policy);
    }
    cachepolicy_options_free(options);
}

static void set_cookie_is_revalidated_even_under_max_stale(void) {
    cachepolicy_header res[] = { H("cache-control", "max-age=600, stale-while-revalidate=600, stale-if-error=600"), H("set-cookie", "session=alice"),
                                 H("etag", "\"v1\"") };
    cachepolicy_policy *policy = build(NULL, NULL, 0, res, COUNT(res));
    cachepolicy_request request = request_of(MAX_STALE_LONG, 1);
    cachepolicy_response error = { 503, NULL, 0 };
    cachepolicy_revalidation revalidation;
    cachepolicy_policy *next = NULL;
    int64_t seconds[] = { 0, 1, 700, 100000 };
    bool within = true;
    size_t i;
    CHECK(storable(policy));
    for (i = 0; i < COUNT(seconds); i++) {
        CHECK(decide(policy, NULL, 0, seconds[i], NULL) == CACHEPOLICY_DECISION_REVALIDATE);
        CHECK(decide(policy, MAX_STALE, 1, seconds[i], NULL) == CACHEPOLICY_DECISION_REVALIDATE);
        CHECK(decide(policy, MAX_STALE_LONG, 1, seconds[i], NULL) == CACHEPOLICY_DECISION_REVALIDATE);
    }
    CHECK_OK(cachepolicy_policy_within_stale_if_error(policy, &request, T0 + SECONDS(700), &within, NULL));
    CHECK(!within);
    CHECK_OK(cachepolicy_policy_revalidated(policy, &request, &error, T0 + SECONDS(700), &revalidation, &next, NULL));
    CHECK(revalidation.outcome != CACHEPOLICY_OUTCOME_STALE_IF_ERROR);
    cachepolicy_policy_free(next);
    cachepolicy_policy_free(policy);
    /* The origin opts in with public. */
    {
        cachepolicy_header opted[] = { H("cache-control", "public, max-age=600"), H("set-cookie", "a=1") };
        policy = build(NULL, NULL, 0, opted, COUNT(opted));
        CHECK(decide(policy, NULL, 0, 1, NULL) == CACHEPOLICY_DECISION_FRESH);
        cachepolicy_policy_free(policy);
    }
}

static void max_stale_never_overrides_must_revalidate_proxy_revalidate_or_no_cache(void) {
    static const char *const forbidding[] = { "max-age=10, must-revalidate", "max-age=10, proxy-revalidate", "s-maxage=10", "max-age=10, no-cache",
                                              "max-age=10, MUST-REVALIDATE, stale-while-revalidate=1000" };
    cachepolicy_options *graceful = cachepolicy_options_new();
    size_t i, j;
    CHECK_OK(cachepolicy_options_set_grace_period(graceful, SECONDS(100000)));
    for (i = 0; i < COUNT(forbidding); i++) {
        cachepolicy_header res[] = { { "cache-control", 13, forbidding[i], strlen(forbidding[i]) }, H("etag", "\"v1\"") };
        const cachepolicy_options *options[] = { NULL, graceful };
        for (j = 0; j < COUNT(options); j++) {
            cachepolicy_policy *policy = build(options[j], NULL, 0, res, COUNT(res));
            int d1 = decide(policy, MAX_STALE, 1, 100, NULL), d2 = decide(policy, MAX_STALE_LONG, 1, 100, NULL), d3 = decide(policy, NULL, 0, 100, NULL);
            CHECK(d1 == CACHEPOLICY_DECISION_REVALIDATE && d2 == CACHEPOLICY_DECISION_REVALIDATE && d3 == CACHEPOLICY_DECISION_REVALIDATE);
            if (d1 != CACHEPOLICY_DECISION_REVALIDATE) {
                fprintf(stderr, "  %s (options %zu): %d\n", forbidding[i], j, d1);
            }
            cachepolicy_policy_free(policy);
        }
    }
    /* Without them, max-stale serves the stale response. */
    {
        cachepolicy_header res[] = { H("cache-control", "max-age=10") };
        cachepolicy_policy *policy = build(NULL, NULL, 0, res, 1);
        CHECK(decide(policy, MAX_STALE, 1, 100, NULL) == CACHEPOLICY_DECISION_STALE);
        cachepolicy_policy_free(policy);
    }
    cachepolicy_options_free(graceful);
}

static void vary_star_and_hostile_vary_names_never_match_wrongly(void) {
    static const char *const names[] = { "__proto__", "constructor", "toString", "hasOwnProperty" };
    cachepolicy_reason reason = CACHEPOLICY_REASON_NONE;
    size_t i;
    {
        cachepolicy_header req[] = { H("accept-encoding", "gzip") };
        cachepolicy_header res[] = { H("cache-control", "public, max-age=600"), H("vary", "accept-encoding, *") };
        cachepolicy_policy *policy = build(NULL, req, 1, res, COUNT(res));
        CHECK(policy != NULL && !storable(policy));
        CHECK(decide(policy, req, 1, 1, &reason) == CACHEPOLICY_DECISION_NO_MATCH && reason == CACHEPOLICY_REASON_NOT_STORABLE);
        cachepolicy_policy_free(policy);
    }
    for (i = 0; i < COUNT(names); i++) {
        size_t n = strlen(names[i]);
        cachepolicy_header req[] = { { names[i], n, "a", 1 } };
        cachepolicy_header other[] = { { names[i], n, "b", 1 } };
        cachepolicy_header res[] = { H("cache-control", "max-age=600"), { "vary", 4, names[i], n } };
        cachepolicy_policy *policy = build(NULL, req, 1, res, COUNT(res));
        CHECK(storable(policy));
        CHECK(decide(policy, req, 1, 1, NULL) == CACHEPOLICY_DECISION_FRESH);
        CHECK(decide(policy, other, 1, 1, &reason) == CACHEPOLICY_DECISION_NO_MATCH && reason == CACHEPOLICY_REASON_VARY_MISMATCH);
        CHECK(decide(policy, NULL, 0, 1, &reason) == CACHEPOLICY_DECISION_NO_MATCH && reason == CACHEPOLICY_REASON_VARY_MISMATCH);
        cachepolicy_policy_free(policy);
    }
    /* A name with a space: no valid request has that field; the policy survives serialization. */
    {
        cachepolicy_header res[] = { H("cache-control", "max-age=600"), H("vary", "accept encoding") };
        cachepolicy_header odd[] = { H("accept encoding", "x") };
        cachepolicy_policy *policy = build(NULL, NULL, 0, res, COUNT(res)), *copy = NULL;
        size_t length = 0;
        uint8_t *bytes = serialize(policy, &length);
        CHECK(decide(policy, NULL, 0, 1, NULL) == CACHEPOLICY_DECISION_FRESH);
        CHECK(decide(policy, odd, 1, 1, NULL) == CACHEPOLICY_DECISION_NO_MATCH);
        CHECK_OK(cachepolicy_policy_from_bytes(bytes, length, &copy, NULL));
        CHECK(decide(copy, NULL, 0, 1, NULL) == CACHEPOLICY_DECISION_FRESH);
        free(bytes);
        cachepolicy_policy_free(copy);
        cachepolicy_policy_free(policy);
    }
}

static void cr_lf_nul_never_reach_a_header_handed_out(void) {
    static const char evil[] = "v\r\nSet-Cookie: evil=1\r\n\0<html>";
    cachepolicy_header res[] = { H("cache-control", "max-age=600"), { "x-a", 3, evil, sizeof(evil) - 1 }, H("etag", "\"v1\r\nX: y\"") };
    cachepolicy_header req[] = { H("host", "example.com"), { "x-b", 3, evil, sizeof(evil) - 1 }, H("if-none-match", "\"c\"\n\0X: y") };
    cachepolicy_header not_modified[] = { H("etag", "\"v1  X: y\""), { "x-a", 3, evil, sizeof(evil) - 1 } };
    cachepolicy_header bad_names[] = { H("x\r\ninjected", "1") };
    cachepolicy_policy *policy = build(NULL, req, COUNT(req), res, COUNT(res)), *next = NULL;
    cachepolicy_request request = request_of(req, COUNT(req));
    cachepolicy_response response_304 = { 304, not_modified, COUNT(not_modified) };
    cachepolicy_evaluation e;
    cachepolicy_revalidation revalidation;
    cachepolicy_headers *served = NULL, *sent = NULL, *list = NULL;
    cachepolicy_header line;
    CHECK(policy != NULL);
    CHECK_OK(cachepolicy_policy_evaluate(policy, &request, T0 + SECONDS(1), &e, &served, &sent, NULL));
    CHECK(find_header(served, "x-a", &line) && same_text(line.value, line.value_len, "v  Set-Cookie: evil=1   <html>"));
    CHECK(clean_and_free(served));
    CHECK_OK(cachepolicy_policy_revalidation_headers(policy, &request, T0 + SECONDS(700), &list, NULL));
    CHECK(clean_and_free(list));
    CHECK_OK(cachepolicy_policy_revalidated(policy, &request, &response_304, T0 + SECONDS(700), &revalidation, &next, NULL));
    CHECK(revalidation.outcome == CACHEPOLICY_OUTCOME_NOT_MODIFIED);
    CHECK_OK(cachepolicy_policy_response_headers(next, T0 + SECONDS(701), &list));
    CHECK(clean_and_free(list));
    CHECK_OK(cachepolicy_policy_stored_headers(next, &list));
    CHECK(clean_and_free(list));
    /* Invalid names are refused in what is stored, and dropped from what is forwarded. */
    {
        cachepolicy_response bad = { 200, bad_names, 1 };
        cachepolicy_policy *refused = NULL;
        cachepolicy_request sneaky = request_of(bad_names, 1);
        CHECK_STATUS(cachepolicy_policy_new(NULL, &request, &bad, T0, T0, &refused, NULL), CACHEPOLICY_STATUS_INVALID_HEADER_NAME);
        CHECK(refused == NULL);
        CHECK_OK(cachepolicy_policy_revalidation_headers(policy, &sneaky, T0, &list, NULL));
        CHECK(!find_header(list, "x\r\ninjected", &line));
        CHECK(clean_and_free(list));
    }
    cachepolicy_policy_free(next);
    cachepolicy_policy_free(policy);
}

/* ---- the bad-input matrix ---------------------------------------------------------------- */

static double seconds_since(clock_t start) {
    return (double)(clock() - start) / CLOCKS_PER_SEC;
}

static void a_one_megabyte_value(void) {
    static const char *const names[] = { "cache-control", "vary", "connection", "etag", "date", "age", "x-big" };
    const size_t size = (size_t)1 << 20;
    char *big = (char *)malloc(size);
    clock_t start = clock();
    size_t i;
    CHECK(big != NULL);
    if (big == NULL) {
        return;
    }
    for (i = 0; i < COUNT(names); i++) {
        size_t k;
        for (k = 0; k < size; k++) {
            big[k] = (char)("9,\" x\r"[(k * 7 + i) % 6]);
        }
        {
            cachepolicy_header res[] = { H("cache-control", "max-age=60"), { names[i], strlen(names[i]), big, size } };
            cachepolicy_header req[] = { H("host", "example.com"), { names[i], strlen(names[i]), big, size } };
            cachepolicy_policy *policy = build(NULL, req, COUNT(req), res, COUNT(res)), *copy = NULL;
            cachepolicy_request request = request_of(req, COUNT(req));
            cachepolicy_headers *list = NULL;
            size_t length = 0;
            uint8_t *bytes;
            CHECK(policy != NULL);
            decide(policy, req, COUNT(req), 1, NULL);
            CHECK_OK(cachepolicy_policy_response_headers(policy, T0 + SECONDS(1), &list));
            CHECK(clean_and_free(list));
            CHECK_OK(cachepolicy_policy_revalidation_headers(policy, &request, T0 + SECONDS(100), &list, NULL));
            CHECK(clean_and_free(list));
            bytes = serialize(policy, &length);
            CHECK(bytes != NULL && length > 0);
            CHECK_OK(cachepolicy_policy_from_bytes(bytes, length, &copy, NULL));
            free(bytes);
            cachepolicy_policy_free(copy);
            cachepolicy_policy_free(policy);
        }
    }
    free(big);
    CHECK(seconds_since(start) < 60.0);
}

static void a_hundred_thousand_header_lines(void) {
    const size_t n = 100000;
    cachepolicy_header *lines = (cachepolicy_header *)calloc(n + 2, sizeof(cachepolicy_header));
    char *names = (char *)malloc(n * 16);
    char *vary = (char *)malloc(n * 16);
    size_t i, vary_len = 0, count = 0;
    clock_t start = clock();
    CHECK(lines != NULL && names != NULL && vary != NULL);
    if (lines == NULL || names == NULL || vary == NULL) {
        free(lines), free(names), free(vary);
        return;
    }
    for (i = 0; i < n; i++) {
        int len = snprintf(names + i * 16, 16, "x-h%zu", i);
        lines[i].name = names + i * 16;
        lines[i].name_len = (size_t)len;
        lines[i].value = "v";
        lines[i].value_len = 1;
        memcpy(vary + vary_len, names + i * 16, (size_t)len);
        vary_len += (size_t)len;
        vary[vary_len++] = ',';
    }
    lines[n].name = "cache-control";
    lines[n].name_len = 13;
    lines[n].value = "max-age=60";
    lines[n].value_len = 10;
    lines[n + 1].name = "vary";
    lines[n + 1].name_len = 4;
    lines[n + 1].value = vary;
    lines[n + 1].value_len = vary_len;
    {
        /* n plain lines in the request; the response has them, max-age and a Vary naming them all. */
        cachepolicy_policy *policy = build(NULL, lines, n, lines, n + 2);
        cachepolicy_request request = request_of(lines, n);
        cachepolicy_headers *list = NULL;
        CHECK(storable(policy));
        CHECK(decide(policy, lines, n, 1, NULL) == CACHEPOLICY_DECISION_FRESH);
        CHECK(decide(policy, lines, n - 1, 1, NULL) == CACHEPOLICY_DECISION_NO_MATCH);
        CHECK_OK(cachepolicy_policy_response_headers(policy, T0 + SECONDS(1), &list));
        CHECK_OK(cachepolicy_headers_count(list, &count));
        CHECK(count == n + 4); /* and date, age */
        cachepolicy_headers_free(list);
        CHECK_OK(cachepolicy_policy_revalidation_headers(policy, &request, T0 + SECONDS(100), &list, NULL));
        CHECK_OK(cachepolicy_headers_count(list, &count));
        CHECK(count == n);
        cachepolicy_headers_free(list);
        cachepolicy_policy_free(policy);
    }
    free(lines), free(names), free(vary);
    CHECK(seconds_since(start) < 60.0);
}

static void negative_overflowing_numbers_and_invalid_dates(void) {
    static const char *const lifetimes[][2] = {
        { "max-age=-1", "0" }, { "max-age=1.5", "0" }, { "max-age=", "0" }, { "max-age=5, max-age=6", "0" },
        { "max-age=99999999999999999999999999", "2147483648000" }, { "max-age=18446744073709551616", "2147483648000" },
    };
    static const char *const dates[] = { "garbage", "0", "-1", "Sun, 32 Nov 1994 08:49:37 GMT", "Tue, 14 Nov 2023 22:13:20 UTC" };
    size_t i;
    for (i = 0; i < COUNT(lifetimes); i++) {
        cachepolicy_header res[] = { { "cache-control", 13, lifetimes[i][0], strlen(lifetimes[i][0]) }, H("age", "-5") };
        cachepolicy_policy *policy = build(NULL, NULL, 0, res, COUNT(res));
        int64_t ms = -1;
        CHECK_OK(cachepolicy_policy_freshness_lifetime(policy, &ms));
        CHECK(ms == strtoll(lifetimes[i][1], NULL, 10));
        cachepolicy_policy_free(policy);
    }
    for (i = 0; i < COUNT(dates); i++) {
        size_t n = strlen(dates[i]);
        cachepolicy_header res[] = { { "date", 4, dates[i], n }, { "expires", 7, dates[i], n }, { "last-modified", 13, dates[i], n } };
        cachepolicy_policy *policy = build(NULL, NULL, 0, res, COUNT(res));
        cachepolicy_headers *served = NULL;
        int64_t ms = -1;
        CHECK_OK(cachepolicy_policy_freshness_lifetime(policy, &ms));
        CHECK(ms == 0);
        CHECK_OK(cachepolicy_policy_date(policy, &ms));
        CHECK(ms == T0);
        CHECK_OK(cachepolicy_policy_response_headers(policy, T0, &served));
        CHECK(has_header(served, "date", "Tue, 14 Nov 2023 22:13:20 GMT"));
        cachepolicy_headers_free(served);
        cachepolicy_policy_free(policy);
    }
    /* Extreme times, and negative option values. */
    {
        cachepolicy_header res[] = { H("cache-control", "max-age=60") };
        cachepolicy_policy *policy = build(NULL, NULL, 0, res, 1);
        cachepolicy_options *options = cachepolicy_options_new();
        int64_t times[] = { INT64_MIN, -1, 0, INT64_MAX };
        int64_t ms = -1;
        for (i = 0; i < COUNT(times); i++) {
            cachepolicy_request request = request_of(NULL, 0);
            cachepolicy_evaluation e;
            CHECK_OK(cachepolicy_policy_age(policy, times[i], &ms));
            CHECK(ms >= 0);
            CHECK_OK(cachepolicy_policy_time_to_live(policy, times[i], &ms));
            CHECK(ms >= 0 && ms <= SECONDS(60));
            CHECK_OK(cachepolicy_policy_evaluate(policy, &request, times[i], &e, NULL, NULL, NULL));
        }
        CHECK_STATUS(cachepolicy_options_set_grace_period(options, -1), CACHEPOLICY_STATUS_INVALID_OPTION);
        CHECK_STATUS(cachepolicy_options_set_immutable_min_time_to_live(options, INT64_MIN), CACHEPOLICY_STATUS_INVALID_OPTION);
        CHECK_STATUS(cachepolicy_options_set_cache_heuristic(options, -0.5), CACHEPOLICY_STATUS_INVALID_OPTION);
        cachepolicy_options_free(options);
        cachepolicy_policy_free(policy);
    }
}

static void bogus_serialized_bytes(void) {
    const char *iterations = getenv("CACHEPOLICY_TEST_ITERATIONS");
    int rounds = iterations != NULL ? atoi(iterations) : 2000;
    uint8_t buffer[512];
    uint32_t state = 12345;
    int r;
    size_t i;
    cachepolicy_policy *policy = fresh_policy();
    size_t length = 0;
    uint8_t *bytes = serialize(policy, &length);
    CHECK(bytes != NULL && length < sizeof(buffer));
    for (r = 0; r < rounds && bytes != NULL; r++) {
        /* Random bytes, and the real bytes with a few random changes. */
        cachepolicy_policy *read = NULL;
        cachepolicy_error *error = NULL;
        size_t n = r % 2 == 0 ? (size_t)(r % (int)sizeof(buffer)) : length;
        cachepolicy_status status;
        memcpy(buffer, bytes, length);
        for (i = 0; i < (r % 2 == 0 ? n : 3); i++) {
            state = state * 1103515245u + 12345u;
            buffer[r % 2 == 0 ? i : (state >> 8) % length] = (uint8_t)(state >> 16);
        }
        if (r % 2 == 0 && n >= 5) {
            memcpy(buffer, "CPOL\x01", 5);
        }
        status = cachepolicy_policy_from_bytes(buffer, n, &read, &error);
        CHECK(status == CACHEPOLICY_STATUS_OK || (read == NULL && error != NULL && cachepolicy_error_status(error) == status));
        CHECK(status != CACHEPOLICY_STATUS_PANIC);
        if (read != NULL) {
            cachepolicy_request request = GET_REQUEST;
            cachepolicy_evaluation e;
            cachepolicy_headers *served = NULL, *sent = NULL;
            CHECK_OK(cachepolicy_policy_evaluate(read, &request, T0, &e, &served, &sent, NULL));
            CHECK(served == NULL || clean_and_free(served));
            CHECK(sent == NULL || clean_and_free(sent));
        }
        cachepolicy_error_free(error);
        cachepolicy_policy_free(read);
    }
    free(bytes);
    cachepolicy_policy_free(policy);
}

int main(void) {
    RUN(shared_cache_never_stores_or_serves_private);
    RUN(shared_cache_never_stores_authorized_responses_without_permission);
    RUN(set_cookie_is_revalidated_even_under_max_stale);
    RUN(max_stale_never_overrides_must_revalidate_proxy_revalidate_or_no_cache);
    RUN(vary_star_and_hostile_vary_names_never_match_wrongly);
    RUN(cr_lf_nul_never_reach_a_header_handed_out);
    RUN(a_one_megabyte_value);
    RUN(a_hundred_thousand_header_lines);
    RUN(negative_overflowing_numbers_and_invalid_dates);
    RUN(bogus_serialized_bytes);
    return finish("test_security");
}
