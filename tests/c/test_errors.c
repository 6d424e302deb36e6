/* The error paths: NULL for every pointer argument, zero lengths, invalid UTF-8, integers
 * that name no enum value, indexes past the end, truncated and foreign serialized bytes,
 * invalid requests and responses. None may crash, leak or touch memory it should not (this
 * file runs under AddressSanitizer, UndefinedBehaviorSanitizer and valgrind). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixtures.h"

#define NULLP CACHEPOLICY_STATUS_NULL_POINTER

/* A value that is not NULL, to see out parameters reset on failure. */
static int sentinel_target;
#define SENTINEL ((void *)&sentinel_target)

static void free_functions_accept_null(void) {
    cachepolicy_error_free(NULL);
    cachepolicy_cache_status_free(NULL);
    cachepolicy_options_free(NULL);
    cachepolicy_policy_free(NULL);
    cachepolicy_headers_free(NULL);
    cachepolicy_strings_free(NULL);
    cachepolicy_bytes_free(NULL);
    CHECK(1);
}

static void option_functions_check_every_pointer(void) {
    cachepolicy_options *options = cachepolicy_options_new();
    bool flag = true;
    double fraction = 1;
    int64_t ms = 1;
    CHECK_STATUS(cachepolicy_options_set_shared(NULL, true), NULLP);
    CHECK_STATUS(cachepolicy_options_set_cache_heuristic(NULL, 0.2), NULLP);
    CHECK_STATUS(cachepolicy_options_set_cache_heuristic(NULL, -1), NULLP);
    CHECK_STATUS(cachepolicy_options_set_immutable_min_time_to_live(NULL, 5), NULLP);
    CHECK_STATUS(cachepolicy_options_set_immutable_min_time_to_live(NULL, -5), NULLP);
    CHECK_STATUS(cachepolicy_options_set_ignore_cargo_cult(NULL, true), NULLP);
    CHECK_STATUS(cachepolicy_options_set_trust_server_date(NULL, true), NULLP);
    CHECK_STATUS(cachepolicy_options_get_shared(NULL, &flag), NULLP);
    CHECK(flag == false);
    CHECK_STATUS(cachepolicy_options_get_cache_heuristic(NULL, &fraction), NULLP);
    CHECK(fraction == 0);
    CHECK_STATUS(cachepolicy_options_get_immutable_min_time_to_live(NULL, &ms), NULLP);
    CHECK(ms == 0);
    CHECK_STATUS(cachepolicy_options_get_ignore_cargo_cult(NULL, &flag), NULLP);
    CHECK_STATUS(cachepolicy_options_get_trust_server_date(NULL, &flag), NULLP);
    CHECK_STATUS(cachepolicy_options_get_shared(options, NULL), NULLP);
    CHECK_STATUS(cachepolicy_options_get_cache_heuristic(options, NULL), NULLP);
    CHECK_STATUS(cachepolicy_options_get_immutable_min_time_to_live(options, NULL), NULLP);
    CHECK_STATUS(cachepolicy_options_get_ignore_cargo_cult(options, NULL), NULLP);
    CHECK_STATUS(cachepolicy_options_get_trust_server_date(options, NULL), NULLP);
    cachepolicy_options_free(options);
}

static void policy_new_checks_every_pointer(void) {
    cachepolicy_policy *policy = (cachepolicy_policy *)SENTINEL;
    cachepolicy_error *error = (cachepolicy_error *)SENTINEL;
    CHECK_STATUS(cachepolicy_policy_new(NULL, NULL, &FRESH_RESPONSE, T0, T0, &policy, &error), NULLP);
    CHECK(policy == NULL && error != NULL && cachepolicy_error_status(error) == NULLP);
    cachepolicy_error_free(error);
    CHECK_STATUS(cachepolicy_policy_new(NULL, &GET_REQUEST, NULL, T0, T0, &policy, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_new(NULL, &GET_REQUEST, &FRESH_RESPONSE, T0, T0, NULL, NULL), NULLP);
    /* error_out receives NULL on success. */
    error = (cachepolicy_error *)SENTINEL;
    CHECK_OK(cachepolicy_policy_new(NULL, &GET_REQUEST, &FRESH_RESPONSE, T0, T0, &policy, &error));
    CHECK(error == NULL);
    cachepolicy_policy_free(policy);
}

static void policy_queries_check_every_pointer(void) {
    cachepolicy_policy *policy = fresh_policy();
    cachepolicy_policy *out = (cachepolicy_policy *)SENTINEL;
    cachepolicy_headers *headers = (cachepolicy_headers *)SENTINEL;
    cachepolicy_headers *headers2 = (cachepolicy_headers *)SENTINEL;
    cachepolicy_strings *strings = (cachepolicy_strings *)SENTINEL;
    cachepolicy_bytes *bytes = (cachepolicy_bytes *)SENTINEL;
    cachepolicy_options *options = (cachepolicy_options *)SENTINEL;
    cachepolicy_evaluation evaluation;
    cachepolicy_revalidation revalidation;
    cachepolicy_reason reason = CACHEPOLICY_REASON_STALE;
    cachepolicy_freshness_source source = CACHEPOLICY_FRESHNESS_SOURCE_MAX_AGE;
    bool flag = true;
    int64_t ms = 1;
    uint16_t status = 1;
    const char *text = "x";
    size_t length = 1;

    CHECK_STATUS(cachepolicy_policy_storable(NULL, &flag), NULLP);
    CHECK(flag == false);
    CHECK_STATUS(cachepolicy_policy_storable(policy, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_not_storable_reason(NULL, &reason), NULLP);
    CHECK(reason == CACHEPOLICY_REASON_NONE);
    CHECK_STATUS(cachepolicy_policy_not_storable_reason(policy, NULL), NULLP);

    CHECK_STATUS(cachepolicy_policy_evaluate(NULL, &GET_REQUEST, T0, &evaluation, &headers, &headers2, NULL), NULLP);
    CHECK(headers == NULL && headers2 == NULL);
    CHECK(!evaluation.serves_stored && !evaluation.contacts_origin);
    CHECK_STATUS(cachepolicy_policy_evaluate(policy, NULL, T0, &evaluation, NULL, NULL, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_evaluate(policy, &GET_REQUEST, T0, NULL, NULL, NULL, NULL), NULLP);

    CHECK_STATUS(cachepolicy_policy_satisfies_without_revalidation(NULL, &GET_REQUEST, T0, &flag, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_satisfies_without_revalidation(policy, NULL, T0, &flag, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_satisfies_without_revalidation(policy, &GET_REQUEST, T0, NULL, NULL), NULLP);

    headers = (cachepolicy_headers *)SENTINEL;
    CHECK_STATUS(cachepolicy_policy_response_headers(NULL, T0, &headers), NULLP);
    CHECK(headers == NULL);
    CHECK_STATUS(cachepolicy_policy_response_headers(policy, T0, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_revalidation_headers(NULL, &GET_REQUEST, T0, &headers, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_revalidation_headers(policy, NULL, T0, &headers, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_revalidation_headers(policy, &GET_REQUEST, T0, NULL, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_stored_headers(NULL, &headers), NULLP);
    CHECK_STATUS(cachepolicy_policy_stored_headers(policy, NULL), NULLP);

    CHECK_STATUS(cachepolicy_policy_revalidated(NULL, &GET_REQUEST, &FRESH_RESPONSE, T0, &revalidation, &out, NULL), NULLP);
    CHECK(out == NULL);
    CHECK_STATUS(cachepolicy_policy_revalidated(policy, NULL, &FRESH_RESPONSE, T0, &revalidation, &out, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_revalidated(policy, &GET_REQUEST, NULL, T0, &revalidation, &out, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_revalidated(policy, &GET_REQUEST, &FRESH_RESPONSE, T0, NULL, &out, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_revalidated(policy, &GET_REQUEST, &FRESH_RESPONSE, T0, &revalidation, NULL, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_revalidated_without_response(NULL, &GET_REQUEST, T0, &revalidation, &out, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_revalidated_without_response(policy, NULL, T0, &revalidation, &out, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_revalidated_without_response(policy, &GET_REQUEST, T0, NULL, &out, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_revalidated_without_response(policy, &GET_REQUEST, T0, &revalidation, NULL, NULL), NULLP);
    CHECK(out == NULL);

    CHECK_STATUS(cachepolicy_policy_freshness_lifetime(NULL, &ms), NULLP);
    CHECK(ms == 0);
    CHECK_STATUS(cachepolicy_policy_freshness_lifetime(policy, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_freshness_source(NULL, &source), NULLP);
    CHECK(source == CACHEPOLICY_FRESHNESS_SOURCE_NONE);
    CHECK_STATUS(cachepolicy_policy_freshness_source(policy, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_age(NULL, T0, &ms), NULLP);
    CHECK_STATUS(cachepolicy_policy_age(policy, T0, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_time_to_live(NULL, T0, &ms), NULLP);
    CHECK_STATUS(cachepolicy_policy_time_to_live(policy, T0, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_is_stale(NULL, T0, &flag), NULLP);
    CHECK_STATUS(cachepolicy_policy_is_stale(policy, T0, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_retention(NULL, T0, &ms), NULLP);
    CHECK_STATUS(cachepolicy_policy_retention(policy, T0, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_within_stale_while_revalidate(NULL, T0, &flag), NULLP);
    CHECK_STATUS(cachepolicy_policy_within_stale_while_revalidate(policy, T0, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_within_stale_if_error(NULL, &GET_REQUEST, T0, &flag, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_within_stale_if_error(policy, NULL, T0, &flag, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_within_stale_if_error(policy, &GET_REQUEST, T0, NULL, NULL), NULLP);

    CHECK_STATUS(cachepolicy_policy_invalidation_targets(NULL, &strings), NULLP);
    CHECK(strings == NULL);
    CHECK_STATUS(cachepolicy_policy_invalidation_targets(policy, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_to_bytes(NULL, &bytes), NULLP);
    CHECK(bytes == NULL);
    CHECK_STATUS(cachepolicy_policy_to_bytes(policy, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_from_bytes((const uint8_t *)"CPOL", 4, NULL, NULL), NULLP);

    CHECK_STATUS(cachepolicy_policy_status(NULL, &status), NULLP);
    CHECK(status == 0);
    CHECK_STATUS(cachepolicy_policy_status(policy, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_method(NULL, &text, &length), NULLP);
    CHECK(text == NULL && length == 0);
    CHECK_STATUS(cachepolicy_policy_method(policy, NULL, &length), NULLP);
    CHECK_STATUS(cachepolicy_policy_method(policy, &text, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_url(NULL, &text, &length), NULLP);
    CHECK_STATUS(cachepolicy_policy_url(policy, NULL, &length), NULLP);
    CHECK_STATUS(cachepolicy_policy_url(policy, &text, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_date(NULL, &ms), NULLP);
    CHECK_STATUS(cachepolicy_policy_date(policy, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_response_time(NULL, &ms), NULLP);
    CHECK_STATUS(cachepolicy_policy_response_time(policy, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_options(NULL, &options), NULLP);
    CHECK(options == NULL);
    CHECK_STATUS(cachepolicy_policy_options(policy, NULL), NULLP);
    cachepolicy_policy_free(policy);
}

static void list_functions_check_pointers_and_indexes(void) {
    cachepolicy_policy *policy = fresh_policy();
    cachepolicy_headers *headers = NULL;
    cachepolicy_strings *strings = NULL;
    cachepolicy_bytes *bytes = NULL;
    cachepolicy_header line;
    const char *text = "x";
    const uint8_t *data = (const uint8_t *)"x";
    size_t count = 1, length = 1;

    CHECK_OK(cachepolicy_policy_response_headers(policy, T0, &headers));
    CHECK_STATUS(cachepolicy_headers_count(NULL, &count), NULLP);
    CHECK(count == 0);
    CHECK_STATUS(cachepolicy_headers_count(headers, NULL), NULLP);
    CHECK_OK(cachepolicy_headers_count(headers, &count));
    CHECK_STATUS(cachepolicy_headers_get(NULL, 0, &line), NULLP);
    CHECK(line.name == NULL && line.name_len == 0 && line.value == NULL && line.value_len == 0);
    CHECK_STATUS(cachepolicy_headers_get(headers, 0, NULL), NULLP);
    CHECK_STATUS(cachepolicy_headers_get(headers, count, &line), CACHEPOLICY_STATUS_INVALID_ARGUMENT);
    CHECK(line.name == NULL);
    CHECK_STATUS(cachepolicy_headers_get(headers, SIZE_MAX, &line), CACHEPOLICY_STATUS_INVALID_ARGUMENT);
    cachepolicy_headers_free(headers);

    CHECK_OK(cachepolicy_policy_invalidation_targets(policy, &strings));
    CHECK_STATUS(cachepolicy_strings_count(NULL, &count), NULLP);
    CHECK_STATUS(cachepolicy_strings_count(strings, NULL), NULLP);
    CHECK_OK(cachepolicy_strings_count(strings, &count));
    CHECK(count == 0);
    CHECK_STATUS(cachepolicy_strings_get(strings, 0, &text, &length), CACHEPOLICY_STATUS_INVALID_ARGUMENT);
    CHECK(text == NULL && length == 0);
    CHECK_STATUS(cachepolicy_strings_get(NULL, 0, &text, &length), NULLP);
    CHECK_STATUS(cachepolicy_strings_get(strings, 0, NULL, &length), NULLP);
    CHECK_STATUS(cachepolicy_strings_get(strings, 0, &text, NULL), NULLP);
    cachepolicy_strings_free(strings);

    CHECK_OK(cachepolicy_policy_to_bytes(policy, &bytes));
    CHECK_STATUS(cachepolicy_bytes_get(NULL, &data, &length), NULLP);
    CHECK(data == NULL && length == 0);
    CHECK_STATUS(cachepolicy_bytes_get(bytes, NULL, &length), NULLP);
    CHECK_STATUS(cachepolicy_bytes_get(bytes, &data, NULL), NULLP);
    cachepolicy_bytes_free(bytes);
    cachepolicy_policy_free(policy);
}

static void error_functions_check_pointers(void) {
    cachepolicy_error *error = NULL;
    cachepolicy_policy *policy = NULL;
    const char *message = "x";
    size_t length = 1;
    CHECK(cachepolicy_error_status(NULL) == NULLP);
    CHECK_STATUS(cachepolicy_error_message(NULL, &message, &length), NULLP);
    CHECK(message == NULL);
    CHECK_STATUS(cachepolicy_policy_from_bytes(NULL, 3, &policy, &error), NULLP);
    CHECK(error != NULL);
    CHECK_STATUS(cachepolicy_error_message(error, NULL, &length), NULLP);
    CHECK_OK(cachepolicy_error_message(error, &message, &length));
    CHECK(strstr(message, "NULL") != NULL);
    cachepolicy_error_free(error);
}

static void integers_that_name_nothing_give_null(void) {
    CHECK(cachepolicy_status_code(CACHEPOLICY_STATUS_PANIC + 1) == NULL);
    CHECK(cachepolicy_status_code(UINT32_MAX) == NULL);
    CHECK(cachepolicy_status_description(1000) == NULL);
    CHECK(cachepolicy_decision_code(CACHEPOLICY_DECISION_GATEWAY_TIMEOUT + 1) == NULL);
    CHECK(cachepolicy_decision_code(UINT32_MAX) == NULL);
    CHECK(cachepolicy_reason_code(CACHEPOLICY_REASON_GRACE_PERIOD + 1) == NULL);
    CHECK(cachepolicy_reason_code(UINT32_MAX) == NULL);
    CHECK(cachepolicy_reason_description(CACHEPOLICY_REASON_GRACE_PERIOD + 1) == NULL);
    CHECK(cachepolicy_reason_description((uint32_t)-1) == NULL);
    CHECK(cachepolicy_freshness_source_code(CACHEPOLICY_FRESHNESS_SOURCE_IMMUTABLE + 1) == NULL);
    CHECK(cachepolicy_freshness_source_code(0x80000000u) == NULL);
    CHECK(cachepolicy_outcome_code(CACHEPOLICY_OUTCOME_FAILED + 1) == NULL);
    CHECK(cachepolicy_outcome_code(UINT32_MAX) == NULL);
}

/* Builds a policy from (method, url, status, one header) and returns the status. */
static cachepolicy_status build(const char *method, size_t method_len, const char *url, size_t url_len, int32_t status,
                                const cachepolicy_header *headers, size_t headers_len, cachepolicy_error **error) {
    cachepolicy_request request = { method, method_len, url, url_len, NULL, 0 };
    cachepolicy_response response = { status, headers, headers_len };
    cachepolicy_policy *policy = (cachepolicy_policy *)SENTINEL;
    cachepolicy_status result = cachepolicy_policy_new(NULL, &request, &response, T0, T0, &policy, error);
    if (result == CACHEPOLICY_STATUS_OK) {
        cachepolicy_policy_free(policy);
    } else {
        CHECK(policy == NULL);
    }
    return result;
}

static void invalid_requests_and_responses_are_refused(void) {
    static const char url[] = "https://example.com/";
    const size_t url_len = sizeof(url) - 1;
    cachepolicy_header line = CACHEPOLICY_HEADER_LITERAL("cache-control", "max-age=60");
    cachepolicy_error *error = NULL;
    const char *message = NULL;
    int32_t statuses[] = { -200, 0, 99, 1000, 70000, INT32_MAX, INT32_MIN };
    size_t i;

    CHECK_OK(build("GET", 3, url, url_len, 200, &line, 1, NULL));
    /* Zero lengths, with and without a pointer. */
    CHECK_STATUS(build("GET", 0, url, url_len, 200, &line, 1, NULL), CACHEPOLICY_STATUS_INVALID_METHOD);
    CHECK_STATUS(build(NULL, 0, url, url_len, 200, &line, 1, NULL), CACHEPOLICY_STATUS_INVALID_METHOD);
    CHECK_STATUS(build("GET", 3, url, 0, 200, &line, 1, NULL), CACHEPOLICY_STATUS_INVALID_URL);
    CHECK_STATUS(build("GET", 3, NULL, 0, 200, &line, 1, NULL), CACHEPOLICY_STATUS_INVALID_URL);
    CHECK_OK(build("GET", 3, url, url_len, 200, NULL, 0, NULL));
    /* NULL with a length. */
    CHECK_STATUS(build(NULL, 3, url, url_len, 200, &line, 1, NULL), NULLP);
    CHECK_STATUS(build("GET", 3, NULL, 5, 200, &line, 1, NULL), NULLP);
    CHECK_STATUS(build("GET", 3, url, url_len, 200, NULL, 2, &error), NULLP);
    CHECK_OK(cachepolicy_error_message(error, &message, NULL));
    CHECK(strstr(message, "response.headers") != NULL);
    cachepolicy_error_free(error);
    line.value = NULL;
    CHECK_STATUS(build("GET", 3, url, url_len, 200, &line, 1, &error), NULLP);
    CHECK_OK(cachepolicy_error_message(error, &message, NULL));
    CHECK(strstr(message, "response.headers[0].value") != NULL);
    cachepolicy_error_free(error);
    line.value_len = 0; /* NULL value with length 0 is the empty value */
    CHECK_OK(build("GET", 3, url, url_len, 200, &line, 1, NULL));
    line.name = NULL;
    CHECK_STATUS(build("GET", 3, url, url_len, 200, &line, 1, NULL), NULLP);
    line.name_len = 0; /* an empty name is not a token */
    CHECK_STATUS(build("GET", 3, url, url_len, 200, &line, 1, NULL), CACHEPOLICY_STATUS_INVALID_HEADER_NAME);

    /* Invalid UTF-8 and invalid syntax. */
    CHECK_STATUS(build("G\xc3(T", 4, url, url_len, 200, NULL, 0, &error), CACHEPOLICY_STATUS_INVALID_METHOD);
    CHECK_OK(cachepolicy_error_message(error, &message, NULL));
    CHECK(strstr(message, "UTF-8") != NULL);
    cachepolicy_error_free(error);
    CHECK_STATUS(build("GET", 3, "https://example.com/\xff", 21, 200, NULL, 0, NULL), CACHEPOLICY_STATUS_INVALID_URL);
    CHECK_STATUS(build("GET", 3, "https://example.com/a b", 23, 200, NULL, 0, NULL), CACHEPOLICY_STATUS_INVALID_URL);
    CHECK_STATUS(build("GET\r\n", 5, url, url_len, 200, NULL, 0, NULL), CACHEPOLICY_STATUS_INVALID_METHOD);
    {
        cachepolicy_header bad_name = { "x-\xff", 3, "v", 1 };
        cachepolicy_header spaced_name = CACHEPOLICY_HEADER_LITERAL("cache control", "max-age=60");
        cachepolicy_header binary_value = { "x-bin", 5, "\xff\x00\xfe", 3 };
        CHECK_STATUS(build("GET", 3, url, url_len, 200, &bad_name, 1, NULL), CACHEPOLICY_STATUS_INVALID_HEADER_NAME);
        CHECK_STATUS(build("GET", 3, url, url_len, 200, &spaced_name, 1, NULL), CACHEPOLICY_STATUS_INVALID_HEADER_NAME);
        CHECK_OK(build("GET", 3, url, url_len, 200, &binary_value, 1, NULL));
    }
    for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        CHECK_STATUS(build("GET", 3, url, url_len, statuses[i], NULL, 0, &error), CACHEPOLICY_STATUS_INVALID_STATUS);
        CHECK(cachepolicy_error_status(error) == CACHEPOLICY_STATUS_INVALID_STATUS);
        cachepolicy_error_free(error);
    }
}

static void questions_with_invalid_requests_fail_cleanly(void) {
    cachepolicy_policy *policy = fresh_policy();
    cachepolicy_request bad = GET_REQUEST;
    cachepolicy_evaluation evaluation;
    cachepolicy_headers *served = (cachepolicy_headers *)SENTINEL;
    cachepolicy_error *error = NULL;
    bool flag = true;

    bad.url = "https://example.com/\xc3";
    bad.url_len = 21;
    CHECK_STATUS(cachepolicy_policy_evaluate(policy, &bad, T0, &evaluation, &served, NULL, &error), CACHEPOLICY_STATUS_INVALID_URL);
    CHECK(served == NULL && error != NULL);
    cachepolicy_error_free(error);
    CHECK_STATUS(cachepolicy_policy_satisfies_without_revalidation(policy, &bad, T0, &flag, NULL), CACHEPOLICY_STATUS_INVALID_URL);
    CHECK(!flag);
    CHECK_STATUS(cachepolicy_policy_revalidation_headers(policy, &bad, T0, &served, NULL), CACHEPOLICY_STATUS_INVALID_URL);
    CHECK_STATUS(cachepolicy_policy_within_stale_if_error(policy, &bad, T0, &flag, NULL), CACHEPOLICY_STATUS_INVALID_URL);

    bad = GET_REQUEST;
    bad.headers = NULL; /* with headers_len 2 */
    CHECK_STATUS(cachepolicy_policy_evaluate(policy, &bad, T0, &evaluation, NULL, NULL, NULL), NULLP);

    /* A request header whose name is not a token is only dropped when forwarding. */
    {
        cachepolicy_header odd[] = { { "bad name", 8, "1", 1 }, CACHEPOLICY_HEADER_LITERAL("x-ok", "2") };
        cachepolicy_headers *forwarded = NULL;
        cachepolicy_header line;
        bad = GET_REQUEST;
        bad.headers = odd;
        bad.headers_len = 2;
        CHECK_OK(cachepolicy_policy_revalidation_headers(policy, &bad, T0, &forwarded, NULL));
        CHECK(has_header(forwarded, "x-ok", "2") && !find_header(forwarded, "bad name", &line));
        cachepolicy_headers_free(forwarded);
    }
    cachepolicy_policy_free(policy);
}

static void an_invalid_new_response_fails_revalidation(void) {
    cachepolicy_policy *policy = fresh_policy();
    cachepolicy_policy *next = (cachepolicy_policy *)SENTINEL;
    cachepolicy_revalidation revalidation;
    cachepolicy_error *error = NULL;
    cachepolicy_header bad = CACHEPOLICY_HEADER_LITERAL("bad:name", "1");
    cachepolicy_response response = { 200, &bad, 1 };
    CHECK_STATUS(cachepolicy_policy_revalidated(policy, &GET_REQUEST, &response, T0, &revalidation, &next, &error),
                 CACHEPOLICY_STATUS_INVALID_HEADER_NAME);
    CHECK(next == NULL && error != NULL);
    cachepolicy_error_free(error);
    response.status = 70000;
    response.headers_len = 0;
    CHECK_STATUS(cachepolicy_policy_revalidated(policy, &GET_REQUEST, &response, T0, &revalidation, &next, NULL),
                 CACHEPOLICY_STATUS_INVALID_STATUS);
    cachepolicy_policy_free(policy);
}

static cachepolicy_status read_policy(const uint8_t *data, size_t length) {
    cachepolicy_policy *policy = (cachepolicy_policy *)SENTINEL;
    cachepolicy_error *error = NULL;
    cachepolicy_status status = cachepolicy_policy_from_bytes(data, length, &policy, &error);
    if (status == CACHEPOLICY_STATUS_OK) {
        CHECK(error == NULL && policy != NULL);
        cachepolicy_policy_free(policy);
    } else {
        const char *message = NULL;
        CHECK(policy == NULL && error != NULL);
        CHECK(cachepolicy_error_status(error) == status);
        CHECK(cachepolicy_error_message(error, &message, NULL) == CACHEPOLICY_STATUS_OK && message[0] != '\0');
        cachepolicy_error_free(error);
    }
    return status;
}

static void truncated_and_foreign_bytes_are_refused(void) {
    cachepolicy_policy *policy = fresh_policy();
    size_t length = 0, cut;
    uint8_t *bytes = serialize(policy, &length);
    uint8_t *longer = NULL;
    static const uint8_t gif[] = "GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff";
    uint8_t noise[256];
    size_t i;

    CHECK(bytes != NULL);
    CHECK_OK(read_policy(bytes, length));
    /* Every truncation. */
    for (cut = 0; cut < length; cut++) {
        CHECK_STATUS(read_policy(bytes, cut), CACHEPOLICY_STATUS_INVALID_SERIALIZATION);
    }
    CHECK_STATUS(read_policy(NULL, 0), CACHEPOLICY_STATUS_INVALID_SERIALIZATION);
    CHECK_STATUS(read_policy(NULL, 16), NULLP);
    CHECK_STATUS(read_policy(bytes, SIZE_MAX), CACHEPOLICY_STATUS_INVALID_ARGUMENT);
    /* Foreign and random bytes. */
    CHECK_STATUS(read_policy(gif, sizeof(gif) - 1), CACHEPOLICY_STATUS_INVALID_SERIALIZATION);
    for (i = 0; i < sizeof(noise); i++) {
        noise[i] = (uint8_t)(i * 131u + 7u);
    }
    CHECK_STATUS(read_policy(noise, sizeof(noise)), CACHEPOLICY_STATUS_INVALID_SERIALIZATION);
    /* Trailing bytes. */
    longer = (uint8_t *)malloc(length + 1);
    CHECK(longer != NULL);
    if (longer != NULL) {
        memcpy(longer, bytes, length);
        longer[length] = 0;
        CHECK_STATUS(read_policy(longer, length + 1), CACHEPOLICY_STATUS_INVALID_SERIALIZATION);
        /* An unknown format version. */
        memcpy(longer, bytes, length);
        longer[4] = 99;
        CHECK_STATUS(read_policy(longer, length), CACHEPOLICY_STATUS_INVALID_SERIALIZATION);
        /* Every single-byte corruption fails cleanly or reads a valid policy: never a crash. */
        for (i = 0; i < length; i++) {
            cachepolicy_status status;
            memcpy(longer, bytes, length);
            longer[i] ^= 0xff;
            status = read_policy(longer, length);
            CHECK(status == CACHEPOLICY_STATUS_OK || status == CACHEPOLICY_STATUS_INVALID_SERIALIZATION ||
                  status == CACHEPOLICY_STATUS_INVALID_HEADER_NAME || status == CACHEPOLICY_STATUS_INVALID_METHOD ||
                  status == CACHEPOLICY_STATUS_INVALID_URL || status == CACHEPOLICY_STATUS_INVALID_STATUS ||
                  status == CACHEPOLICY_STATUS_INVALID_OPTION);
        }
        free(longer);
    }
    free(bytes);
    cachepolicy_policy_free(policy);
}

static void new_option_functions_check_pointers_and_values(void) {
    cachepolicy_options *options = cachepolicy_options_new();
    cachepolicy_options *profile = (cachepolicy_options *)SENTINEL;
    cachepolicy_error *error = NULL;
    cachepolicy_request_no_cache no_cache = CACHEPOLICY_REQUEST_NO_CACHE_RELOAD;
    cachepolicy_set_cookie set_cookie = CACHEPOLICY_SET_COOKIE_KEEP;
    cachepolicy_strings *fields = (cachepolicy_strings *)SENTINEL;
    const char *message = NULL;
    int64_t ms = 1;
    bool flag = true;

    /* NULL options for every setter and getter. */
    CHECK_STATUS(cachepolicy_options_set_cache_etags(NULL, true), NULLP);
    CHECK_STATUS(cachepolicy_options_set_request_no_cache(NULL, 0), NULLP);
    CHECK_STATUS(cachepolicy_options_add_targeted_field(NULL, CACHEPOLICY_LITERAL("x")), NULLP);
    CHECK_STATUS(cachepolicy_options_clear_targeted_fields(NULL), NULLP);
    CHECK_STATUS(cachepolicy_options_set_ignore_request_cache_control(NULL, true), NULLP);
    CHECK_STATUS(cachepolicy_options_set_honor_request_no_cache(NULL, true), NULLP);
    CHECK_STATUS(cachepolicy_options_set_store_authenticated(NULL, true), NULLP);
    CHECK_STATUS(cachepolicy_options_set_ignore_s_maxage(NULL, true), NULLP);
    CHECK_STATUS(cachepolicy_options_set_grace_period(NULL, 1), NULLP);
    CHECK_STATUS(cachepolicy_options_set_ignore_no_store(NULL, true), NULLP);
    CHECK_STATUS(cachepolicy_options_set_store_https(NULL, true), NULLP);
    CHECK_STATUS(cachepolicy_options_set_bypass_range_and_conditional(NULL, true), NULLP);
    CHECK_STATUS(cachepolicy_options_set_store_only_2xx(NULL, true), NULLP);
    CHECK_STATUS(cachepolicy_options_set_set_cookie(NULL, 0), NULLP);
    CHECK_STATUS(cachepolicy_options_set_suppress_age(NULL, true), NULLP);
    CHECK_STATUS(cachepolicy_options_set_replace_date(NULL, true), NULLP);
    CHECK_STATUS(cachepolicy_options_get_cache_etags(NULL, &flag), NULLP);
    CHECK(flag == false);
    CHECK_STATUS(cachepolicy_options_get_request_no_cache(NULL, &no_cache), NULLP);
    CHECK(no_cache == CACHEPOLICY_REQUEST_NO_CACHE_REVALIDATE);
    CHECK_STATUS(cachepolicy_options_get_targeted_fields(NULL, &fields), NULLP);
    CHECK(fields == NULL);
    CHECK_STATUS(cachepolicy_options_get_ignore_request_cache_control(NULL, &flag), NULLP);
    CHECK_STATUS(cachepolicy_options_get_honor_request_no_cache(NULL, &flag), NULLP);
    CHECK_STATUS(cachepolicy_options_get_store_authenticated(NULL, &flag), NULLP);
    CHECK_STATUS(cachepolicy_options_get_ignore_s_maxage(NULL, &flag), NULLP);
    CHECK_STATUS(cachepolicy_options_get_grace_period(NULL, &ms), NULLP);
    CHECK(ms == 0);
    CHECK_STATUS(cachepolicy_options_get_ignore_no_store(NULL, &flag), NULLP);
    CHECK_STATUS(cachepolicy_options_get_store_https(NULL, &flag), NULLP);
    CHECK_STATUS(cachepolicy_options_get_bypass_range_and_conditional(NULL, &flag), NULLP);
    CHECK_STATUS(cachepolicy_options_get_store_only_2xx(NULL, &flag), NULLP);
    CHECK_STATUS(cachepolicy_options_get_set_cookie(NULL, &set_cookie), NULLP);
    CHECK(set_cookie == CACHEPOLICY_SET_COOKIE_REVALIDATE);
    CHECK_STATUS(cachepolicy_options_get_suppress_age(NULL, &flag), NULLP);
    CHECK_STATUS(cachepolicy_options_get_replace_date(NULL, &flag), NULLP);
    /* NULL out parameters. */
    CHECK_STATUS(cachepolicy_options_get_cache_etags(options, NULL), NULLP);
    CHECK_STATUS(cachepolicy_options_get_request_no_cache(options, NULL), NULLP);
    CHECK_STATUS(cachepolicy_options_get_targeted_fields(options, NULL), NULLP);
    CHECK_STATUS(cachepolicy_options_get_grace_period(options, NULL), NULLP);
    CHECK_STATUS(cachepolicy_options_get_set_cookie(options, NULL), NULLP);

    /* Integers that name no enum value, negative durations, names that are not tokens. */
    CHECK_STATUS(cachepolicy_options_set_request_no_cache(options, 2), CACHEPOLICY_STATUS_INVALID_OPTION);
    CHECK_STATUS(cachepolicy_options_set_request_no_cache(options, UINT32_MAX), CACHEPOLICY_STATUS_INVALID_OPTION);
    CHECK_STATUS(cachepolicy_options_set_set_cookie(options, 4), CACHEPOLICY_STATUS_INVALID_OPTION);
    CHECK_STATUS(cachepolicy_options_set_set_cookie(options, (uint32_t)-1), CACHEPOLICY_STATUS_INVALID_OPTION);
    CHECK_OK(cachepolicy_options_get_request_no_cache(options, &no_cache));
    CHECK(no_cache == CACHEPOLICY_REQUEST_NO_CACHE_REVALIDATE);
    CHECK_OK(cachepolicy_options_get_set_cookie(options, &set_cookie));
    CHECK(set_cookie == CACHEPOLICY_SET_COOKIE_REVALIDATE);
    CHECK_STATUS(cachepolicy_options_set_grace_period(options, -1), CACHEPOLICY_STATUS_INVALID_OPTION);
    CHECK_STATUS(cachepolicy_options_set_grace_period(options, INT64_MIN), CACHEPOLICY_STATUS_INVALID_OPTION);
    CHECK_STATUS(cachepolicy_options_add_targeted_field(options, CACHEPOLICY_LITERAL("bad name")), CACHEPOLICY_STATUS_INVALID_OPTION);
    CHECK_STATUS(cachepolicy_options_add_targeted_field(options, "x-\xff", 3), CACHEPOLICY_STATUS_INVALID_OPTION);
    CHECK_STATUS(cachepolicy_options_add_targeted_field(options, NULL, 0), CACHEPOLICY_STATUS_INVALID_OPTION);
    CHECK_STATUS(cachepolicy_options_add_targeted_field(options, NULL, 4), NULLP);
    CHECK_OK(cachepolicy_options_get_targeted_fields(options, &fields));
    {
        size_t count = 9;
        CHECK_OK(cachepolicy_strings_count(fields, &count));
        CHECK(count == 0);
    }
    cachepolicy_strings_free(fields);

    /* Profiles. */
    CHECK_STATUS(cachepolicy_options_new_profile(CACHEPOLICY_LITERAL("turbo"), &profile, &error), CACHEPOLICY_STATUS_INVALID_OPTION);
    CHECK(profile == NULL && error != NULL);
    CHECK_OK(cachepolicy_error_message(error, &message, NULL));
    CHECK(strstr(message, "accelerator") != NULL);
    cachepolicy_error_free(error);
    CHECK_STATUS(cachepolicy_options_new_profile("\xff\xfe", 2, &profile, NULL), CACHEPOLICY_STATUS_INVALID_OPTION);
    CHECK_STATUS(cachepolicy_options_new_profile(NULL, 0, &profile, NULL), CACHEPOLICY_STATUS_INVALID_OPTION);
    CHECK_STATUS(cachepolicy_options_new_profile(NULL, 6, &profile, NULL), NULLP);
    CHECK_STATUS(cachepolicy_options_new_profile(CACHEPOLICY_LITERAL("shared"), NULL, NULL), NULLP);
    cachepolicy_options_free(options);
}

static void keys_variants_and_expiry_check_pointers(void) {
    cachepolicy_policy *policy = fresh_policy();
    const cachepolicy_policy *variants[2];
    cachepolicy_bytes *key = (cachepolicy_bytes *)SENTINEL;
    cachepolicy_headers *headers = (cachepolicy_headers *)SENTINEL;
    cachepolicy_expiry_stage stage = CACHEPOLICY_EXPIRY_STAGE_FRESH;
    cachepolicy_request bad = GET_REQUEST;
    cachepolicy_error *error = NULL;
    bool found = true;
    size_t index = 9;

    CHECK_STATUS(cachepolicy_policy_expiry_stage(NULL, T0, &stage), NULLP);
    CHECK(stage == CACHEPOLICY_EXPIRY_STAGE_HARD_EXPIRED);
    CHECK_STATUS(cachepolicy_policy_expiry_stage(policy, T0, NULL), NULLP);
    CHECK(cachepolicy_expiry_stage_code(CACHEPOLICY_EXPIRY_STAGE_HARD_EXPIRED + 1) == NULL);
    CHECK(cachepolicy_expiry_stage_code(UINT32_MAX) == NULL);

    CHECK_STATUS(cachepolicy_policy_lost_update_headers(NULL, &GET_REQUEST, &headers, NULL), NULLP);
    CHECK(headers == NULL);
    CHECK_STATUS(cachepolicy_policy_lost_update_headers(policy, NULL, &headers, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_lost_update_headers(policy, &GET_REQUEST, NULL, NULL), NULLP);

    CHECK_STATUS(cachepolicy_primary_key(NULL, &key, NULL), NULLP);
    CHECK(key == NULL);
    CHECK_STATUS(cachepolicy_primary_key(&GET_REQUEST, NULL, NULL), NULLP);
    bad.method = "G T";
    bad.method_len = 3;
    CHECK_STATUS(cachepolicy_primary_key(&bad, &key, &error), CACHEPOLICY_STATUS_INVALID_METHOD);
    CHECK(key == NULL && error != NULL);
    cachepolicy_error_free(error);
    bad = GET_REQUEST;
    bad.url = "\xff";
    bad.url_len = 1;
    CHECK_STATUS(cachepolicy_primary_key(&bad, &key, NULL), CACHEPOLICY_STATUS_INVALID_URL);
    CHECK_STATUS(cachepolicy_policy_primary_key(NULL, &key), NULLP);
    CHECK_STATUS(cachepolicy_policy_primary_key(policy, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_secondary_key(NULL, &key), NULLP);
    CHECK_STATUS(cachepolicy_policy_secondary_key(policy, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_secondary_key_for(NULL, &GET_REQUEST, &key, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_secondary_key_for(policy, NULL, &key, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_secondary_key_for(policy, &GET_REQUEST, NULL, NULL), NULLP);
    CHECK_STATUS(cachepolicy_policy_secondary_key_for(policy, &bad, &key, NULL), CACHEPOLICY_STATUS_INVALID_URL);

    variants[0] = policy;
    variants[1] = NULL;
    CHECK_STATUS(cachepolicy_select_variant(variants, 2, &GET_REQUEST, &found, &index, &error), NULLP);
    CHECK(!found && index == 0);
    CHECK(error != NULL);
    {
        const char *message = NULL;
        CHECK_OK(cachepolicy_error_message(error, &message, NULL));
        CHECK(strstr(message, "variants[1]") != NULL);
    }
    cachepolicy_error_free(error);
    CHECK_STATUS(cachepolicy_select_variant(NULL, 2, &GET_REQUEST, &found, &index, NULL), NULLP);
    CHECK_STATUS(cachepolicy_select_variant(variants, 1, NULL, &found, &index, NULL), NULLP);
    CHECK_STATUS(cachepolicy_select_variant(variants, 1, &GET_REQUEST, NULL, &index, NULL), NULLP);
    CHECK_STATUS(cachepolicy_select_variant(variants, 1, &GET_REQUEST, &found, NULL, NULL), NULLP);
    CHECK_STATUS(cachepolicy_select_variant(variants, SIZE_MAX, &GET_REQUEST, &found, &index, NULL), CACHEPOLICY_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(cachepolicy_select_variant(variants, 1, &bad, &found, &index, NULL), CACHEPOLICY_STATUS_INVALID_URL);
    cachepolicy_policy_free(policy);
}

static void cache_status_functions_check_pointers_and_values(void) {
    cachepolicy_policy *policy = fresh_policy();
    cachepolicy_cache_status *member = (cachepolicy_cache_status *)SENTINEL;
    cachepolicy_bytes *value = (cachepolicy_bytes *)SENTINEL;
    cachepolicy_request bad = GET_REQUEST;

    cachepolicy_cache_status_free(NULL);
    CHECK_STATUS(cachepolicy_cache_status_new(NULL, 3, &member), NULLP);
    CHECK(member == NULL);
    CHECK_STATUS(cachepolicy_cache_status_new(CACHEPOLICY_LITERAL("c"), NULL), NULLP);
    CHECK_STATUS(cachepolicy_cache_status_miss(NULL, 3, &member), NULLP);
    CHECK_STATUS(cachepolicy_cache_status_miss(CACHEPOLICY_LITERAL("c"), NULL), NULLP);
    CHECK_STATUS(cachepolicy_cache_status_from_evaluation(CACHEPOLICY_LITERAL("c"), NULL, &GET_REQUEST, T0, &member, NULL), NULLP);
    CHECK_STATUS(cachepolicy_cache_status_from_evaluation(CACHEPOLICY_LITERAL("c"), policy, NULL, T0, &member, NULL), NULLP);
    CHECK_STATUS(cachepolicy_cache_status_from_evaluation(CACHEPOLICY_LITERAL("c"), policy, &GET_REQUEST, T0, NULL, NULL), NULLP);
    bad.url = "\xff";
    bad.url_len = 1;
    CHECK_STATUS(cachepolicy_cache_status_from_evaluation(CACHEPOLICY_LITERAL("c"), policy, &bad, T0, &member, NULL), CACHEPOLICY_STATUS_INVALID_URL);
    CHECK(member == NULL);

    CHECK_STATUS(cachepolicy_cache_status_set_hit(NULL, true), NULLP);
    CHECK_STATUS(cachepolicy_cache_status_set_forward(NULL, CACHEPOLICY_FORWARD_STALE), NULLP);
    CHECK_STATUS(cachepolicy_cache_status_set_fwd_status(NULL, 200), NULLP);
    CHECK_STATUS(cachepolicy_cache_status_set_ttl(NULL, 1), NULLP);
    CHECK_STATUS(cachepolicy_cache_status_set_stored(NULL, true), NULLP);
    CHECK_STATUS(cachepolicy_cache_status_set_collapsed(NULL, true), NULLP);
    CHECK_STATUS(cachepolicy_cache_status_set_key(NULL, CACHEPOLICY_LITERAL("k")), NULLP);
    CHECK_STATUS(cachepolicy_cache_status_set_detail(NULL, CACHEPOLICY_LITERAL("d")), NULLP);
    CHECK_STATUS(cachepolicy_cache_status_to_header_value(NULL, &value), NULLP);
    CHECK(value == NULL);

    /* Empty and non-ASCII text is written as an RFC 8941 string; a bad fwd number is refused. */
    CHECK_OK(cachepolicy_cache_status_new(NULL, 0, &member));
    CHECK_STATUS(cachepolicy_cache_status_set_forward(member, CACHEPOLICY_FORWARD_PARTIAL + 1), CACHEPOLICY_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(cachepolicy_cache_status_set_forward(member, UINT32_MAX), CACHEPOLICY_STATUS_INVALID_ARGUMENT);
    CHECK_OK(cachepolicy_cache_status_set_key(member, "\xff\"k", 3));
    CHECK_STATUS(cachepolicy_cache_status_set_detail(member, NULL, 1), NULLP);
    CHECK_STATUS(cachepolicy_cache_status_to_header_value(member, NULL), NULLP);
    CHECK_OK(cachepolicy_cache_status_to_header_value(member, &value));
    {
        const uint8_t *data = NULL;
        size_t length = 0;
        CHECK_OK(cachepolicy_bytes_get(value, &data, &length));
        CHECK(same_text((const char *)data, length, "\"\"; key=\"?\\\"k\""));
    }
    cachepolicy_bytes_free(value);
    cachepolicy_cache_status_free(member);
    CHECK(cachepolicy_forward_code(CACHEPOLICY_FORWARD_PARTIAL + 1) == NULL);
    CHECK(cachepolicy_forward_code(UINT32_MAX) == NULL);
    cachepolicy_policy_free(policy);
}

int main(void) {
    RUN(free_functions_accept_null);
    RUN(option_functions_check_every_pointer);
    RUN(policy_new_checks_every_pointer);
    RUN(policy_queries_check_every_pointer);
    RUN(list_functions_check_pointers_and_indexes);
    RUN(error_functions_check_pointers);
    RUN(integers_that_name_nothing_give_null);
    RUN(invalid_requests_and_responses_are_refused);
    RUN(questions_with_invalid_requests_fail_cleanly);
    RUN(an_invalid_new_response_fails_revalidation);
    RUN(truncated_and_foreign_bytes_are_refused);
    RUN(new_option_functions_check_pointers_and_values);
    RUN(keys_variants_and_expiry_check_pointers);
    RUN(cache_status_functions_check_pointers_and_values);
    return finish("test_errors");
}
