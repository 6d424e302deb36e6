/* Every exported function on its ordinary path: a cache storing, serving, revalidating and
 * invalidating, as a C HTTP stack would drive it. Error paths are in test_errors.c. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixtures.h"

static void versions_agree_with_the_header(void) {
    const char *version = cachepolicy_version();
    CHECK(cachepolicy_abi_version() == CACHEPOLICY_ABI_VERSION);
    CHECK((cachepolicy_abi_version() >> 16) == CACHEPOLICY_ABI_MAJOR);
    CHECK((cachepolicy_abi_version() & 0xffff) == CACHEPOLICY_ABI_MINOR);
    CHECK(version != NULL && strlen(version) >= 5 && strchr(version, '.') != NULL);
}

static void options_have_defaults_setters_and_getters(void) {
    cachepolicy_options *options = cachepolicy_options_new();
    bool flag = false;
    double fraction = 0;
    int64_t ms = 0;
    CHECK(options != NULL);

    CHECK_OK(cachepolicy_options_get_shared(options, &flag));
    CHECK(flag == true);
    CHECK_OK(cachepolicy_options_get_cache_heuristic(options, &fraction));
    CHECK(fraction == 0.1);
    CHECK_OK(cachepolicy_options_get_immutable_min_time_to_live(options, &ms));
    CHECK(ms == SECONDS(86400));
    CHECK_OK(cachepolicy_options_get_ignore_cargo_cult(options, &flag));
    CHECK(flag == false);
    CHECK_OK(cachepolicy_options_get_trust_server_date(options, &flag));
    CHECK(flag == true);

    CHECK_OK(cachepolicy_options_set_shared(options, false));
    CHECK_OK(cachepolicy_options_set_cache_heuristic(options, 0.5));
    CHECK_OK(cachepolicy_options_set_immutable_min_time_to_live(options, SECONDS(60)));
    CHECK_OK(cachepolicy_options_set_ignore_cargo_cult(options, true));
    CHECK_OK(cachepolicy_options_set_trust_server_date(options, false));

    CHECK_OK(cachepolicy_options_get_shared(options, &flag));
    CHECK(flag == false);
    CHECK_OK(cachepolicy_options_get_cache_heuristic(options, &fraction));
    CHECK(fraction == 0.5);
    CHECK_OK(cachepolicy_options_get_immutable_min_time_to_live(options, &ms));
    CHECK(ms == SECONDS(60));
    CHECK_OK(cachepolicy_options_get_ignore_cargo_cult(options, &flag));
    CHECK(flag == true);
    CHECK_OK(cachepolicy_options_get_trust_server_date(options, &flag));
    CHECK(flag == false);

    /* Out-of-range values are refused and change nothing. */
    CHECK_STATUS(cachepolicy_options_set_cache_heuristic(options, -1.0), CACHEPOLICY_STATUS_INVALID_OPTION);
    CHECK_STATUS(cachepolicy_options_set_cache_heuristic(options, NAN), CACHEPOLICY_STATUS_INVALID_OPTION);
    CHECK_STATUS(cachepolicy_options_set_cache_heuristic(options, INFINITY), CACHEPOLICY_STATUS_INVALID_OPTION);
    CHECK_OK(cachepolicy_options_get_cache_heuristic(options, &fraction));
    CHECK(fraction == 0.5);
    CHECK_STATUS(cachepolicy_options_set_immutable_min_time_to_live(options, -1), CACHEPOLICY_STATUS_INVALID_OPTION);
    CHECK_OK(cachepolicy_options_get_immutable_min_time_to_live(options, &ms));
    CHECK(ms == SECONDS(60));

    cachepolicy_options_free(options);
}

static void a_fresh_response_is_stored_and_described(void) {
    cachepolicy_policy *policy = fresh_policy();
    bool flag = true;
    cachepolicy_reason reason = CACHEPOLICY_REASON_STALE;
    cachepolicy_freshness_source source = CACHEPOLICY_FRESHNESS_SOURCE_NONE;
    int64_t ms = -1;
    uint16_t status = 0;
    const char *text = NULL;
    size_t length = 0;
    cachepolicy_headers *stored = NULL;
    cachepolicy_options *options = NULL;
    CHECK(policy != NULL);

    CHECK_OK(cachepolicy_policy_storable(policy, &flag));
    CHECK(flag == true);
    CHECK_OK(cachepolicy_policy_not_storable_reason(policy, &reason));
    CHECK(reason == CACHEPOLICY_REASON_NONE);
    CHECK_OK(cachepolicy_policy_freshness_lifetime(policy, &ms));
    CHECK(ms == SECONDS(3600));
    CHECK_OK(cachepolicy_policy_freshness_source(policy, &source));
    CHECK(source == CACHEPOLICY_FRESHNESS_SOURCE_MAX_AGE);
    CHECK(is_text(cachepolicy_freshness_source_code(source), "max-age"));

    CHECK_OK(cachepolicy_policy_age(policy, T0 + 10500, &ms));
    CHECK(ms == 10500);
    CHECK_OK(cachepolicy_policy_time_to_live(policy, T0 + SECONDS(10), &ms));
    CHECK(ms == SECONDS(3590));
    CHECK_OK(cachepolicy_policy_time_to_live(policy, T0 + SECONDS(7200), &ms));
    CHECK(ms == 0);
    CHECK_OK(cachepolicy_policy_is_stale(policy, T0 + SECONDS(3599), &flag));
    CHECK(flag == false);
    CHECK_OK(cachepolicy_policy_is_stale(policy, T0 + SECONDS(3600), &flag));
    CHECK(flag == true);
    /* Kept for the lifetime plus the stale-if-error window. */
    CHECK_OK(cachepolicy_policy_retention(policy, T0, &ms));
    CHECK(ms == SECONDS(3600 + 600));
    CHECK_OK(cachepolicy_policy_within_stale_while_revalidate(policy, T0, &flag));
    CHECK(flag == false);
    CHECK_OK(cachepolicy_policy_within_stale_if_error(policy, &GET_REQUEST, T0 + SECONDS(3900), &flag, NULL));
    CHECK(flag == true);
    CHECK_OK(cachepolicy_policy_within_stale_if_error(policy, &GET_REQUEST, T0 + SECONDS(4300), &flag, NULL));
    CHECK(flag == false);

    CHECK_OK(cachepolicy_policy_status(policy, &status));
    CHECK(status == 200);
    CHECK_OK(cachepolicy_policy_method(policy, &text, &length));
    CHECK(same_text(text, length, "GET"));
    CHECK_OK(cachepolicy_policy_url(policy, &text, &length));
    CHECK(same_text(text, length, "https://example.com/app.js"));
    CHECK_OK(cachepolicy_policy_date(policy, &ms));
    CHECK(ms == T0);
    CHECK_OK(cachepolicy_policy_response_time(policy, &ms));
    CHECK(ms == T0);

    CHECK_OK(cachepolicy_policy_options(policy, &options));
    CHECK(options != NULL);
    CHECK_OK(cachepolicy_options_get_shared(options, &flag));
    CHECK(flag == true);
    cachepolicy_options_free(options);

    /* The hop-by-hop field named by Connection is not stored (RFC 9111 §3.1). */
    CHECK_OK(cachepolicy_policy_stored_headers(policy, &stored));
    CHECK(has_header(stored, "etag", "\"v1\""));
    CHECK(has_header(stored, "content-type", "text/javascript"));
    {
        cachepolicy_header line;
        CHECK(!find_header(stored, "x-hop", &line));
        CHECK(!find_header(stored, "connection", &line));
    }
    cachepolicy_headers_free(stored);
    cachepolicy_policy_free(policy);
}

static void the_request_time_counts_in_the_age(void) {
    cachepolicy_policy *policy = NULL;
    int64_t ms = 0;
    /* Sent 2 s before the response arrived: the response delay is added (RFC 9111 §4.2.3). */
    CHECK_OK(cachepolicy_policy_new(NULL, &GET_REQUEST, &FRESH_RESPONSE, T0 - SECONDS(2), T0, &policy, NULL));
    CHECK_OK(cachepolicy_policy_age(policy, T0, &ms));
    CHECK(ms == SECONDS(2));
    cachepolicy_policy_free(policy);
}

static void a_fresh_hit_is_served_with_an_age(void) {
    cachepolicy_policy *policy = fresh_policy();
    cachepolicy_evaluation evaluation;
    cachepolicy_headers *served = NULL, *conditional = NULL;
    cachepolicy_error *error = NULL;
    bool satisfies = false;

    CHECK_OK(cachepolicy_policy_evaluate(policy, &GET_REQUEST, T0 + SECONDS(10), &evaluation, &served, &conditional, &error));
    CHECK(error == NULL);
    CHECK(evaluation.decision == CACHEPOLICY_DECISION_FRESH);
    CHECK(evaluation.reason == CACHEPOLICY_REASON_NONE);
    CHECK(evaluation.serves_stored && !evaluation.contacts_origin);
    CHECK(served != NULL && conditional == NULL);
    CHECK(has_header(served, "age", "10"));
    CHECK(has_header(served, "etag", "\"v1\""));
    cachepolicy_headers_free(served);

    /* Header lists are optional. */
    CHECK_OK(cachepolicy_policy_evaluate(policy, &GET_REQUEST, T0 + SECONDS(10), &evaluation, NULL, NULL, NULL));
    CHECK(evaluation.decision == CACHEPOLICY_DECISION_FRESH);

    CHECK_OK(cachepolicy_policy_satisfies_without_revalidation(policy, &GET_REQUEST, T0 + SECONDS(10), &satisfies, NULL));
    CHECK(satisfies);
    CHECK_OK(cachepolicy_policy_satisfies_without_revalidation(policy, &GET_REQUEST, T0 + SECONDS(4000), &satisfies, NULL));
    CHECK(!satisfies);

    CHECK_OK(cachepolicy_policy_response_headers(policy, T0 + 2500, &served));
    CHECK(has_header(served, "age", "3")); /* 2.5 s rounds half up */
    CHECK(has_header(served, "date", "Tue, 14 Nov 2023 22:13:20 GMT"));
    cachepolicy_headers_free(served);
    cachepolicy_policy_free(policy);
}

static void a_stale_response_is_revalidated_with_its_validators(void) {
    cachepolicy_policy *policy = fresh_policy();
    cachepolicy_evaluation evaluation;
    cachepolicy_headers *served = NULL, *conditional = NULL;

    CHECK_OK(cachepolicy_policy_evaluate(policy, &GET_REQUEST, T0 + SECONDS(4000), &evaluation, &served, &conditional, NULL));
    CHECK(evaluation.decision == CACHEPOLICY_DECISION_REVALIDATE);
    CHECK(evaluation.reason == CACHEPOLICY_REASON_STALE);
    CHECK(!evaluation.serves_stored && evaluation.contacts_origin);
    CHECK(served == NULL && conditional != NULL);
    CHECK(has_header(conditional, "if-none-match", "\"v1\""));
    CHECK(has_header(conditional, "if-modified-since", "Mon, 13 Nov 2023 22:13:20 GMT"));
    CHECK(has_header(conditional, "host", "example.com"));
    cachepolicy_headers_free(conditional);

    CHECK_OK(cachepolicy_policy_revalidation_headers(policy, &GET_REQUEST, T0 + SECONDS(4000), &conditional, NULL));
    CHECK(has_header(conditional, "if-none-match", "\"v1\""));

    /* A list handed out can be passed back in: its lines are cachepolicy_headers. */
    {
        size_t count = 0, i;
        cachepolicy_header lines[16];
        cachepolicy_request again = GET_REQUEST;
        cachepolicy_headers *twice = NULL;
        CHECK_OK(cachepolicy_headers_count(conditional, &count));
        CHECK(count > 0 && count <= 16);
        for (i = 0; i < count && i < 16; i++) {
            CHECK_OK(cachepolicy_headers_get(conditional, i, &lines[i]));
            /* Names and values are NUL-terminated too. */
            CHECK(lines[i].name[lines[i].name_len] == '\0' && lines[i].value[lines[i].value_len] == '\0');
        }
        again.headers = lines;
        again.headers_len = count;
        CHECK_OK(cachepolicy_policy_revalidation_headers(policy, &again, T0 + SECONDS(4000), &twice, NULL));
        /* The stored ETag is already listed: not added twice. */
        CHECK(has_header(twice, "if-none-match", "\"v1\""));
        cachepolicy_headers_free(twice);
    }
    cachepolicy_headers_free(conditional);
    cachepolicy_policy_free(policy);
}

static void a_matching_304_freshens_the_policy(void) {
    static const cachepolicy_header not_modified_headers[] = {
        CACHEPOLICY_HEADER_LITERAL("etag", "\"v1\""),
        CACHEPOLICY_HEADER_LITERAL("cache-control", "max-age=100"),
        CACHEPOLICY_HEADER_LITERAL("date", "Tue, 14 Nov 2023 23:20:00 GMT"),
    };
    cachepolicy_response not_modified = { 304, not_modified_headers, 3 };
    cachepolicy_policy *policy = fresh_policy();
    cachepolicy_policy *next = NULL;
    cachepolicy_revalidation revalidation;
    cachepolicy_error *error = NULL;
    int64_t ms = 0;
    bool stale = true;
    const int64_t now = T0 + SECONDS(4000);

    CHECK_OK(cachepolicy_policy_revalidated(policy, &GET_REQUEST, &not_modified, now, &revalidation, &next, &error));
    CHECK(error == NULL && next != NULL);
    CHECK(!revalidation.modified && revalidation.matches);
    CHECK(revalidation.outcome == CACHEPOLICY_OUTCOME_NOT_MODIFIED);
    CHECK(is_text(cachepolicy_outcome_code(revalidation.outcome), "not_modified"));
    CHECK_OK(cachepolicy_policy_freshness_lifetime(next, &ms));
    CHECK(ms == SECONDS(100));
    CHECK_OK(cachepolicy_policy_is_stale(next, now + SECONDS(50), &stale));
    CHECK(!stale);
    /* The old policy is unchanged and still usable. */
    CHECK_OK(cachepolicy_policy_freshness_lifetime(policy, &ms));
    CHECK(ms == SECONDS(3600));
    cachepolicy_policy_free(next);
    cachepolicy_policy_free(policy);
}

static void a_new_response_replaces_the_stored_one(void) {
    static const cachepolicy_header new_headers[] = {
        CACHEPOLICY_HEADER_LITERAL("etag", "\"v2\""),
        CACHEPOLICY_HEADER_LITERAL("cache-control", "max-age=60"),
    };
    cachepolicy_response replaced = { 200, new_headers, 2 };
    cachepolicy_policy *policy = fresh_policy();
    cachepolicy_policy *next = NULL;
    cachepolicy_revalidation revalidation;
    int64_t ms = 0;

    CHECK_OK(cachepolicy_policy_revalidated(policy, &GET_REQUEST, &replaced, T0 + SECONDS(4000), &revalidation, &next, NULL));
    CHECK(revalidation.modified && !revalidation.matches);
    CHECK(revalidation.outcome == CACHEPOLICY_OUTCOME_MODIFIED);
    CHECK_OK(cachepolicy_policy_freshness_lifetime(next, &ms));
    CHECK(ms == SECONDS(60));
    cachepolicy_policy_free(next);
    cachepolicy_policy_free(policy);
}

static void no_answer_keeps_the_stored_response_within_stale_if_error(void) {
    cachepolicy_policy *policy = fresh_policy();
    cachepolicy_policy *next = NULL;
    cachepolicy_revalidation revalidation;
    static const cachepolicy_header error_headers[] = { CACHEPOLICY_HEADER_LITERAL("content-type", "text/plain") };
    cachepolicy_response server_error = { 503, error_headers, 1 };

    CHECK_OK(cachepolicy_policy_revalidated_without_response(policy, &GET_REQUEST, T0 + SECONDS(3900), &revalidation, &next, NULL));
    CHECK(!revalidation.modified && revalidation.matches);
    CHECK(revalidation.outcome == CACHEPOLICY_OUTCOME_STALE_IF_ERROR);
    cachepolicy_policy_free(next);

    CHECK_OK(cachepolicy_policy_revalidated(policy, &GET_REQUEST, &server_error, T0 + SECONDS(3900), &revalidation, &next, NULL));
    CHECK(revalidation.outcome == CACHEPOLICY_OUTCOME_STALE_IF_ERROR);
    cachepolicy_policy_free(next);

    CHECK_OK(cachepolicy_policy_revalidated_without_response(policy, &GET_REQUEST, T0 + SECONDS(9000), &revalidation, &next, NULL));
    CHECK(revalidation.modified && !revalidation.matches);
    CHECK(revalidation.outcome == CACHEPOLICY_OUTCOME_FAILED);
    cachepolicy_policy_free(next);
    cachepolicy_policy_free(policy);
}

static void stale_while_revalidate_serves_and_revalidates(void) {
    static const cachepolicy_header headers[] = {
        CACHEPOLICY_HEADER_LITERAL("cache-control", "max-age=10, stale-while-revalidate=100"),
        CACHEPOLICY_HEADER_LITERAL("etag", "W/\"x\""),
    };
    cachepolicy_response response = { 200, headers, 2 };
    cachepolicy_policy *policy = NULL;
    cachepolicy_evaluation evaluation;
    cachepolicy_headers *served = NULL, *conditional = NULL;
    bool within = false;

    CHECK_OK(cachepolicy_policy_new(NULL, &GET_REQUEST, &response, T0, T0, &policy, NULL));
    CHECK_OK(cachepolicy_policy_within_stale_while_revalidate(policy, T0 + SECONDS(50), &within));
    CHECK(within);
    CHECK_OK(cachepolicy_policy_evaluate(policy, &GET_REQUEST, T0 + SECONDS(50), &evaluation, &served, &conditional, NULL));
    CHECK(evaluation.decision == CACHEPOLICY_DECISION_STALE_WHILE_REVALIDATE);
    CHECK(evaluation.reason == CACHEPOLICY_REASON_STALE_WHILE_REVALIDATE);
    CHECK(evaluation.serves_stored && evaluation.contacts_origin);
    CHECK(has_header(served, "age", "50"));
    CHECK(has_header(conditional, "if-none-match", "W/\"x\""));
    cachepolicy_headers_free(served);
    cachepolicy_headers_free(conditional);
    cachepolicy_policy_free(policy);
}

static void only_if_cached_without_a_usable_response_is_a_504(void) {
    static const cachepolicy_header headers[] = { CACHEPOLICY_HEADER_LITERAL("cache-control", "only-if-cached") };
    cachepolicy_request request = GET_REQUEST;
    cachepolicy_policy *policy = fresh_policy();
    cachepolicy_evaluation evaluation;
    request.headers = headers;
    request.headers_len = 1;
    CHECK_OK(cachepolicy_policy_evaluate(policy, &request, T0 + SECONDS(4000), &evaluation, NULL, NULL, NULL));
    CHECK(evaluation.decision == CACHEPOLICY_DECISION_GATEWAY_TIMEOUT);
    CHECK(evaluation.reason == CACHEPOLICY_REASON_ONLY_IF_CACHED);
    CHECK(is_text(cachepolicy_decision_code(evaluation.decision), "gateway_timeout"));
    cachepolicy_policy_free(policy);
}

static void a_different_url_is_no_match(void) {
    cachepolicy_request other = GET_REQUEST;
    cachepolicy_policy *policy = fresh_policy();
    cachepolicy_evaluation evaluation;
    cachepolicy_headers *forwarded = NULL;
    other.url = "https://example.com/other.js";
    other.url_len = strlen(other.url);
    CHECK_OK(cachepolicy_policy_evaluate(policy, &other, T0, &evaluation, NULL, &forwarded, NULL));
    CHECK(evaluation.decision == CACHEPOLICY_DECISION_NO_MATCH);
    CHECK(evaluation.reason == CACHEPOLICY_REASON_URL_MISMATCH);
    /* Forwarded as is: no validators of another resource. */
    {
        cachepolicy_header line;
        CHECK(forwarded != NULL && !find_header(forwarded, "if-none-match", &line));
    }
    cachepolicy_headers_free(forwarded);
    cachepolicy_policy_free(policy);
}

static void not_storable_responses_say_why(void) {
    static const cachepolicy_header headers[] = { CACHEPOLICY_HEADER_LITERAL("cache-control", "no-store") };
    static const cachepolicy_header private_headers[] = { CACHEPOLICY_HEADER_LITERAL("cache-control", "private, max-age=60") };
    cachepolicy_response no_store = { 200, headers, 1 };
    cachepolicy_response private_response = { 200, private_headers, 1 };
    cachepolicy_options *private_cache = cachepolicy_options_new();
    cachepolicy_policy *policy = NULL;
    cachepolicy_reason reason = CACHEPOLICY_REASON_NONE;
    bool storable = true;
    int64_t ms = -1;

    CHECK_OK(cachepolicy_policy_new(NULL, &GET_REQUEST, &no_store, T0, T0, &policy, NULL));
    CHECK_OK(cachepolicy_policy_storable(policy, &storable));
    CHECK(!storable);
    CHECK_OK(cachepolicy_policy_not_storable_reason(policy, &reason));
    CHECK(reason == CACHEPOLICY_REASON_RESPONSE_NO_STORE);
    CHECK(is_text(cachepolicy_reason_code(reason), "response_no_store"));
    CHECK(strstr(cachepolicy_reason_description(reason), "RFC 9111") != NULL);
    CHECK_OK(cachepolicy_policy_retention(policy, T0, &ms));
    CHECK(ms == 0);
    cachepolicy_policy_free(policy);

    /* A private response: not in a shared cache, yes in a private one. */
    CHECK_OK(cachepolicy_policy_new(NULL, &GET_REQUEST, &private_response, T0, T0, &policy, NULL));
    CHECK_OK(cachepolicy_policy_not_storable_reason(policy, &reason));
    CHECK(reason == CACHEPOLICY_REASON_PRIVATE_IN_SHARED_CACHE);
    cachepolicy_policy_free(policy);
    CHECK_OK(cachepolicy_options_set_shared(private_cache, false));
    CHECK_OK(cachepolicy_policy_new(private_cache, &GET_REQUEST, &private_response, T0, T0, &policy, NULL));
    cachepolicy_options_free(private_cache); /* the policy keeps its own copy */
    CHECK_OK(cachepolicy_policy_storable(policy, &storable));
    CHECK(storable);
    cachepolicy_policy_free(policy);
}

static void a_post_invalidates_its_target_and_location(void) {
    static const cachepolicy_header response_headers[] = {
        CACHEPOLICY_HEADER_LITERAL("location", "/items/42"),
        CACHEPOLICY_HEADER_LITERAL("content-location", "https://elsewhere.example/x"),
    };
    cachepolicy_request post = { CACHEPOLICY_LITERAL("POST"), CACHEPOLICY_LITERAL("https://example.com/items"), NULL, 0 };
    cachepolicy_response created = { 201, response_headers, 2 };
    cachepolicy_policy *policy = NULL;
    cachepolicy_strings *targets = NULL;
    size_t count = 0, length = 0;
    const char *uri = NULL;

    CHECK_OK(cachepolicy_policy_new(NULL, &post, &created, T0, T0, &policy, NULL));
    CHECK_OK(cachepolicy_policy_invalidation_targets(policy, &targets));
    CHECK_OK(cachepolicy_strings_count(targets, &count));
    CHECK(count == 2);
    CHECK_OK(cachepolicy_strings_get(targets, 0, &uri, &length));
    CHECK(same_text(uri, length, "https://example.com/items") && uri[length] == '\0');
    CHECK_OK(cachepolicy_strings_get(targets, 1, &uri, &length));
    CHECK(same_text(uri, length, "https://example.com/items/42"));
    cachepolicy_strings_free(targets);
    cachepolicy_policy_free(policy);

    /* A GET invalidates nothing. */
    policy = fresh_policy();
    CHECK_OK(cachepolicy_policy_invalidation_targets(policy, &targets));
    CHECK_OK(cachepolicy_strings_count(targets, &count));
    CHECK(count == 0);
    cachepolicy_strings_free(targets);
    cachepolicy_policy_free(policy);
}

static void a_policy_survives_serialization(void) {
    cachepolicy_policy *policy = fresh_policy();
    cachepolicy_policy *copy = NULL;
    cachepolicy_error *error = NULL;
    size_t length = 0, copy_length = 0;
    uint8_t *bytes = serialize(policy, &length);
    uint8_t *copy_bytes = NULL;
    int64_t ms = 0;

    CHECK(bytes != NULL && length > 8 && memcmp(bytes, "CPOL", 4) == 0);
    CHECK_OK(cachepolicy_policy_from_bytes(bytes, length, &copy, &error));
    CHECK(error == NULL && copy != NULL);
    copy_bytes = serialize(copy, &copy_length);
    CHECK(copy_bytes != NULL && copy_length == length && memcmp(bytes, copy_bytes, length) == 0);
    CHECK_OK(cachepolicy_policy_age(copy, T0 + SECONDS(5), &ms));
    CHECK(ms == SECONDS(5));
    free(bytes);
    free(copy_bytes);
    cachepolicy_policy_free(copy);
    cachepolicy_policy_free(policy);
}

static void header_bytes_need_not_be_utf8_nor_terminated(void) {
    /* Not NUL-terminated: the lengths cut "x-raw: \xff\xfe" out of a larger buffer. */
    static const char buffer[] = "x-rawXYZ\xff\xfe|max-age=60";
    const cachepolicy_header headers[] = {
        { buffer, 5, buffer + 8, 2 },
        { "cache-control", 13, buffer + 11, 10 },
        { "x-empty", 7, NULL, 0 },
    };
    cachepolicy_response response = { 200, headers, 3 };
    cachepolicy_policy *policy = NULL;
    cachepolicy_headers *served = NULL;
    cachepolicy_header line;

    CHECK_OK(cachepolicy_policy_new(NULL, &GET_REQUEST, &response, T0, T0, &policy, NULL));
    CHECK_OK(cachepolicy_policy_response_headers(policy, T0, &served));
    CHECK(find_header(served, "x-raw", &line));
    CHECK(line.value_len == 2 && memcmp(line.value, "\xff\xfe", 2) == 0);
    CHECK(has_header(served, "x-empty", ""));
    CHECK(has_header(served, "cache-control", "max-age=60"));
    cachepolicy_headers_free(served);
    cachepolicy_policy_free(policy);
}

static void every_code_and_description_has_text(void) {
    uint32_t i;
    CHECK(is_text(cachepolicy_status_code(CACHEPOLICY_STATUS_OK), "ok"));
    CHECK(is_text(cachepolicy_status_code(CACHEPOLICY_STATUS_INVALID_HEADER_NAME), "invalid_header_name"));
    for (i = CACHEPOLICY_STATUS_OK; i <= CACHEPOLICY_STATUS_PANIC; i++) {
        CHECK(cachepolicy_status_code(i) != NULL && cachepolicy_status_description(i) != NULL);
    }
    for (i = CACHEPOLICY_DECISION_FRESH; i <= CACHEPOLICY_DECISION_GATEWAY_TIMEOUT; i++) {
        CHECK(cachepolicy_decision_code(i) != NULL);
    }
    CHECK(is_text(cachepolicy_decision_code(CACHEPOLICY_DECISION_STALE_WHILE_REVALIDATE), "stale_while_revalidate"));
    CHECK(is_text(cachepolicy_reason_code(CACHEPOLICY_REASON_NONE), "none"));
    for (i = CACHEPOLICY_REASON_NONE; i <= CACHEPOLICY_REASON_GRACE_PERIOD; i++) {
        CHECK(cachepolicy_reason_code(i) != NULL && cachepolicy_reason_description(i) != NULL);
    }
    CHECK(is_text(cachepolicy_reason_code(CACHEPOLICY_REASON_VARY_MISMATCH), "vary_mismatch"));
    for (i = CACHEPOLICY_FRESHNESS_SOURCE_NONE; i <= CACHEPOLICY_FRESHNESS_SOURCE_IMMUTABLE; i++) {
        CHECK(cachepolicy_freshness_source_code(i) != NULL);
    }
    CHECK(is_text(cachepolicy_freshness_source_code(CACHEPOLICY_FRESHNESS_SOURCE_S_MAXAGE), "s-maxage"));
    for (i = CACHEPOLICY_OUTCOME_NOT_MODIFIED; i <= CACHEPOLICY_OUTCOME_FAILED; i++) {
        CHECK(cachepolicy_outcome_code(i) != NULL);
    }
    CHECK(is_text(cachepolicy_outcome_code(CACHEPOLICY_OUTCOME_HEAD_MISMATCH), "head_mismatch"));
    for (i = CACHEPOLICY_EXPIRY_STAGE_FRESH; i <= CACHEPOLICY_EXPIRY_STAGE_HARD_EXPIRED; i++) {
        CHECK(cachepolicy_expiry_stage_code(i) != NULL);
    }
    for (i = CACHEPOLICY_FORWARD_NONE; i <= CACHEPOLICY_FORWARD_PARTIAL; i++) {
        CHECK(cachepolicy_forward_code(i) != NULL);
    }
}

static void an_error_object_carries_status_and_message(void) {
    cachepolicy_request bad = GET_REQUEST;
    cachepolicy_policy *policy = NULL;
    cachepolicy_error *error = NULL;
    const char *message = NULL;
    size_t length = 0;
    bad.method = "GE T";
    bad.method_len = 4;
    CHECK_STATUS(cachepolicy_policy_new(NULL, &bad, &FRESH_RESPONSE, T0, T0, &policy, &error), CACHEPOLICY_STATUS_INVALID_METHOD);
    CHECK(policy == NULL && error != NULL);
    CHECK(cachepolicy_error_status(error) == CACHEPOLICY_STATUS_INVALID_METHOD);
    CHECK_OK(cachepolicy_error_message(error, &message, &length));
    CHECK(message != NULL && strlen(message) == length && strstr(message, "GE T") != NULL);
    CHECK_OK(cachepolicy_error_message(error, &message, NULL));
    cachepolicy_error_free(error);
}

static void every_option_has_a_setter_and_a_getter(void) {
    cachepolicy_options *options = cachepolicy_options_new();
    cachepolicy_request_no_cache no_cache = CACHEPOLICY_REQUEST_NO_CACHE_RELOAD;
    cachepolicy_set_cookie set_cookie = CACHEPOLICY_SET_COOKIE_KEEP;
    cachepolicy_strings *fields = NULL;
    const char *text = NULL;
    size_t count = 9, length = 0;
    int64_t ms = -1;
    bool flag;

    /* Defaults: the RFC behaviour. */
    CHECK_OK(cachepolicy_options_get_cache_etags(options, &flag));
    CHECK(flag == true);
    CHECK_OK(cachepolicy_options_get_request_no_cache(options, &no_cache));
    CHECK(no_cache == CACHEPOLICY_REQUEST_NO_CACHE_REVALIDATE);
    CHECK_OK(cachepolicy_options_get_targeted_fields(options, &fields));
    CHECK_OK(cachepolicy_strings_count(fields, &count));
    CHECK(count == 0);
    cachepolicy_strings_free(fields);
    CHECK_OK(cachepolicy_options_get_ignore_request_cache_control(options, &flag));
    CHECK(flag == false);
    CHECK_OK(cachepolicy_options_get_honor_request_no_cache(options, &flag));
    CHECK(flag == true);
    CHECK_OK(cachepolicy_options_get_store_authenticated(options, &flag));
    CHECK(flag == false);
    CHECK_OK(cachepolicy_options_get_ignore_s_maxage(options, &flag));
    CHECK(flag == false);
    CHECK_OK(cachepolicy_options_get_grace_period(options, &ms));
    CHECK(ms == 0);
    CHECK_OK(cachepolicy_options_get_ignore_no_store(options, &flag));
    CHECK(flag == false);
    CHECK_OK(cachepolicy_options_get_store_https(options, &flag));
    CHECK(flag == true);
    CHECK_OK(cachepolicy_options_get_bypass_range_and_conditional(options, &flag));
    CHECK(flag == false);
    CHECK_OK(cachepolicy_options_get_store_only_2xx(options, &flag));
    CHECK(flag == false);
    CHECK_OK(cachepolicy_options_get_set_cookie(options, &set_cookie));
    CHECK(set_cookie == CACHEPOLICY_SET_COOKIE_REVALIDATE);
    CHECK_OK(cachepolicy_options_get_suppress_age(options, &flag));
    CHECK(flag == false);
    CHECK_OK(cachepolicy_options_get_replace_date(options, &flag));
    CHECK(flag == false);

    /* Each setter, read back. */
    CHECK_OK(cachepolicy_options_set_cache_etags(options, false));
    CHECK_OK(cachepolicy_options_get_cache_etags(options, &flag));
    CHECK(flag == false);
    CHECK_OK(cachepolicy_options_set_request_no_cache(options, CACHEPOLICY_REQUEST_NO_CACHE_RELOAD));
    CHECK_OK(cachepolicy_options_get_request_no_cache(options, &no_cache));
    CHECK(no_cache == CACHEPOLICY_REQUEST_NO_CACHE_RELOAD);
    CHECK_OK(cachepolicy_options_add_targeted_field(options, CACHEPOLICY_LITERAL("cdn-cache-control")));
    CHECK_OK(cachepolicy_options_add_targeted_field(options, CACHEPOLICY_LITERAL("surrogate-control")));
    CHECK_OK(cachepolicy_options_get_targeted_fields(options, &fields));
    CHECK_OK(cachepolicy_strings_count(fields, &count));
    CHECK(count == 2);
    CHECK_OK(cachepolicy_strings_get(fields, 1, &text, &length));
    CHECK(same_text(text, length, "surrogate-control"));
    cachepolicy_strings_free(fields);
    CHECK_OK(cachepolicy_options_clear_targeted_fields(options));
    CHECK_OK(cachepolicy_options_get_targeted_fields(options, &fields));
    CHECK_OK(cachepolicy_strings_count(fields, &count));
    CHECK(count == 0);
    cachepolicy_strings_free(fields);
    CHECK_OK(cachepolicy_options_set_ignore_request_cache_control(options, true));
    CHECK_OK(cachepolicy_options_get_ignore_request_cache_control(options, &flag));
    CHECK(flag == true);
    CHECK_OK(cachepolicy_options_set_honor_request_no_cache(options, false));
    CHECK_OK(cachepolicy_options_get_honor_request_no_cache(options, &flag));
    CHECK(flag == false);
    CHECK_OK(cachepolicy_options_set_store_authenticated(options, true));
    CHECK_OK(cachepolicy_options_get_store_authenticated(options, &flag));
    CHECK(flag == true);
    CHECK_OK(cachepolicy_options_set_ignore_s_maxage(options, true));
    CHECK_OK(cachepolicy_options_get_ignore_s_maxage(options, &flag));
    CHECK(flag == true);
    CHECK_OK(cachepolicy_options_set_grace_period(options, SECONDS(30)));
    CHECK_OK(cachepolicy_options_get_grace_period(options, &ms));
    CHECK(ms == SECONDS(30));
    CHECK_OK(cachepolicy_options_set_ignore_no_store(options, true));
    CHECK_OK(cachepolicy_options_get_ignore_no_store(options, &flag));
    CHECK(flag == true);
    CHECK_OK(cachepolicy_options_set_store_https(options, false));
    CHECK_OK(cachepolicy_options_get_store_https(options, &flag));
    CHECK(flag == false);
    CHECK_OK(cachepolicy_options_set_bypass_range_and_conditional(options, true));
    CHECK_OK(cachepolicy_options_get_bypass_range_and_conditional(options, &flag));
    CHECK(flag == true);
    CHECK_OK(cachepolicy_options_set_store_only_2xx(options, true));
    CHECK_OK(cachepolicy_options_get_store_only_2xx(options, &flag));
    CHECK(flag == true);
    CHECK_OK(cachepolicy_options_set_set_cookie(options, CACHEPOLICY_SET_COOKIE_STRIP));
    CHECK_OK(cachepolicy_options_get_set_cookie(options, &set_cookie));
    CHECK(set_cookie == CACHEPOLICY_SET_COOKIE_STRIP);
    CHECK_OK(cachepolicy_options_set_suppress_age(options, true));
    CHECK_OK(cachepolicy_options_get_suppress_age(options, &flag));
    CHECK(flag == true);
    CHECK_OK(cachepolicy_options_set_replace_date(options, true));
    CHECK_OK(cachepolicy_options_get_replace_date(options, &flag));
    CHECK(flag == true);
    cachepolicy_options_free(options);
}

static void profiles_preset_the_options(void) {
    cachepolicy_options *options = NULL;
    cachepolicy_error *error = NULL;
    cachepolicy_set_cookie set_cookie = CACHEPOLICY_SET_COOKIE_REVALIDATE;
    bool flag = true;
    CHECK_OK(cachepolicy_options_new_profile(CACHEPOLICY_LITERAL("private"), &options, &error));
    CHECK(error == NULL);
    CHECK_OK(cachepolicy_options_get_shared(options, &flag));
    CHECK(flag == false);
    cachepolicy_options_free(options);
    CHECK_OK(cachepolicy_options_new_profile(CACHEPOLICY_LITERAL("accelerator"), &options, NULL));
    CHECK_OK(cachepolicy_options_get_store_authenticated(options, &flag));
    CHECK(flag == true);
    CHECK_OK(cachepolicy_options_get_set_cookie(options, &set_cookie));
    CHECK(set_cookie == CACHEPOLICY_SET_COOKIE_REFUSE);
    cachepolicy_options_free(options);
}

static void an_accelerator_serves_within_its_grace_period(void) {
    static const cachepolicy_header headers[] = { CACHEPOLICY_HEADER_LITERAL("cache-control", "max-age=60") };
    cachepolicy_response response = { 200, headers, 1 };
    cachepolicy_request http = GET_REQUEST;
    cachepolicy_options *options = NULL;
    cachepolicy_policy *policy = NULL;
    cachepolicy_expiry_stage stage = CACHEPOLICY_EXPIRY_STAGE_HARD_EXPIRED;
    cachepolicy_evaluation evaluation;
    cachepolicy_headers *served = NULL;
    cachepolicy_header line;

    http.url = "http://example.com/app.js";
    http.url_len = strlen(http.url);
    CHECK_OK(cachepolicy_options_new_profile(CACHEPOLICY_LITERAL("accelerator"), &options, NULL));
    CHECK_OK(cachepolicy_options_set_grace_period(options, SECONDS(30)));
    CHECK_OK(cachepolicy_options_set_suppress_age(options, true));
    CHECK_OK(cachepolicy_policy_new(options, &http, &response, T0, T0, &policy, NULL));
    cachepolicy_options_free(options);

    CHECK_OK(cachepolicy_policy_expiry_stage(policy, T0 + SECONDS(10), &stage));
    CHECK(stage == CACHEPOLICY_EXPIRY_STAGE_FRESH);
    CHECK_OK(cachepolicy_policy_expiry_stage(policy, T0 + SECONDS(70), &stage));
    CHECK(stage == CACHEPOLICY_EXPIRY_STAGE_SOFT_EXPIRED);
    CHECK(is_text(cachepolicy_expiry_stage_code(stage), "soft_expired"));
    CHECK_OK(cachepolicy_policy_expiry_stage(policy, T0 + SECONDS(100), &stage));
    CHECK(stage == CACHEPOLICY_EXPIRY_STAGE_HARD_EXPIRED);

    CHECK_OK(cachepolicy_policy_evaluate(policy, &http, T0 + SECONDS(70), &evaluation, &served, NULL, NULL));
    CHECK(evaluation.decision == CACHEPOLICY_DECISION_STALE_WHILE_REVALIDATE);
    CHECK(evaluation.reason == CACHEPOLICY_REASON_GRACE_PERIOD);
    CHECK(!find_header(served, "age", &line)); /* suppress_age */
    cachepolicy_headers_free(served);
    cachepolicy_policy_free(policy);
}

static void a_put_gets_lost_update_protection(void) {
    cachepolicy_policy *policy = fresh_policy();
    cachepolicy_request put = GET_REQUEST;
    cachepolicy_headers *preconditions = NULL;
    size_t count = 9;
    put.method = "PUT";
    put.method_len = 3;
    CHECK_OK(cachepolicy_policy_lost_update_headers(policy, &put, &preconditions, NULL));
    CHECK(has_header(preconditions, "if-match", "\"v1\""));
    cachepolicy_headers_free(preconditions);
    CHECK_OK(cachepolicy_policy_lost_update_headers(policy, &GET_REQUEST, &preconditions, NULL));
    CHECK_OK(cachepolicy_headers_count(preconditions, &count));
    CHECK(count == 0);
    cachepolicy_headers_free(preconditions);
    cachepolicy_policy_free(policy);
}

/* Reads a text buffer into a C string comparison, then frees it. */
static int take_text_equals(cachepolicy_bytes *bytes, const char *text) {
    const uint8_t *data = NULL;
    size_t length = 0;
    int same = cachepolicy_bytes_get(bytes, &data, &length) == CACHEPOLICY_STATUS_OK && same_text((const char *)data, length, text) &&
               data[length] == '\0';
    cachepolicy_bytes_free(bytes);
    return same;
}

static void keys_file_variants_and_select_one(void) {
    static const cachepolicy_header vary_headers[] = {
        CACHEPOLICY_HEADER_LITERAL("cache-control", "max-age=600"),
        CACHEPOLICY_HEADER_LITERAL("vary", "Accept-Encoding"),
    };
    static const cachepolicy_header gzip[] = { CACHEPOLICY_HEADER_LITERAL("accept-encoding", "gzip") };
    static const cachepolicy_header br[] = { CACHEPOLICY_HEADER_LITERAL("accept-encoding", "br") };
    cachepolicy_request gzip_request = { CACHEPOLICY_LITERAL("GET"), CACHEPOLICY_LITERAL("HTTPS://Example.com:443/a"), gzip, 1 };
    cachepolicy_request br_request = { CACHEPOLICY_LITERAL("HEAD"), CACHEPOLICY_LITERAL("https://example.com/a"), br, 1 };
    cachepolicy_response response = { 200, vary_headers, 2 };
    cachepolicy_policy *gzip_policy = NULL, *br_policy = NULL;
    const cachepolicy_policy *variants[2];
    cachepolicy_bytes *key = NULL;
    bool found = false;
    size_t index = 9;

    CHECK_OK(cachepolicy_primary_key(&gzip_request, &key, NULL));
    CHECK(take_text_equals(key, "GET https://example.com/a"));
    CHECK_OK(cachepolicy_primary_key(&br_request, &key, NULL));
    CHECK(take_text_equals(key, "GET https://example.com/a"));

    CHECK_OK(cachepolicy_policy_new(NULL, &gzip_request, &response, T0, T0, &gzip_policy, NULL));
    CHECK_OK(cachepolicy_policy_new(NULL, &gzip_request, &response, T0 + SECONDS(1), T0 + SECONDS(1), &br_policy, NULL));
    CHECK_OK(cachepolicy_policy_primary_key(gzip_policy, &key));
    CHECK(take_text_equals(key, "GET https://example.com/a"));
    CHECK_OK(cachepolicy_policy_secondary_key(gzip_policy, &key));
    CHECK(take_text_equals(key, "accept-encoding=gzip"));
    CHECK_OK(cachepolicy_policy_secondary_key_for(gzip_policy, &br_request, &key, NULL));
    CHECK(take_text_equals(key, "accept-encoding=br"));
    cachepolicy_policy_free(br_policy);

    br_request.method = "GET";
    br_request.method_len = 3;
    CHECK_OK(cachepolicy_policy_new(NULL, &br_request, &response, T0 + SECONDS(1), T0 + SECONDS(1), &br_policy, NULL));
    variants[0] = gzip_policy;
    variants[1] = br_policy;
    CHECK_OK(cachepolicy_select_variant(variants, 2, &br_request, &found, &index, NULL));
    CHECK(found && index == 1);
    CHECK_OK(cachepolicy_select_variant(variants, 2, &gzip_request, &found, &index, NULL));
    CHECK(found && index == 0);
    CHECK_OK(cachepolicy_select_variant(variants, 1, &br_request, &found, &index, NULL));
    CHECK(!found && index == 0);
    CHECK_OK(cachepolicy_select_variant(NULL, 0, &br_request, &found, &index, NULL));
    CHECK(!found);
    cachepolicy_policy_free(gzip_policy);
    cachepolicy_policy_free(br_policy);
}

static void cache_status_says_what_the_cache_did(void) {
    cachepolicy_policy *policy = fresh_policy();
    cachepolicy_cache_status *member = NULL;
    cachepolicy_bytes *value = NULL;

    CHECK_OK(cachepolicy_cache_status_from_evaluation(CACHEPOLICY_LITERAL("edge"), policy, &GET_REQUEST, T0 + SECONDS(10), &member, NULL));
    CHECK_OK(cachepolicy_cache_status_set_key(member, CACHEPOLICY_LITERAL("GET https://example.com/app.js")));
    CHECK_OK(cachepolicy_cache_status_to_header_value(member, &value));
    CHECK(take_text_equals(value, "edge; hit; ttl=3590; key=\"GET https://example.com/app.js\""));
    cachepolicy_cache_status_free(member);

    CHECK_OK(cachepolicy_cache_status_from_evaluation(CACHEPOLICY_LITERAL("edge"), policy, &GET_REQUEST, T0 + SECONDS(3610), &member, NULL));
    CHECK_OK(cachepolicy_cache_status_set_fwd_status(member, 304));
    CHECK_OK(cachepolicy_cache_status_set_stored(member, true));
    CHECK_OK(cachepolicy_cache_status_to_header_value(member, &value));
    CHECK(take_text_equals(value, "edge; fwd=stale; fwd-status=304; ttl=-10; stored"));
    cachepolicy_cache_status_free(member);

    CHECK_OK(cachepolicy_cache_status_miss(CACHEPOLICY_LITERAL("My Cache"), &member));
    CHECK_OK(cachepolicy_cache_status_set_collapsed(member, true));
    CHECK_OK(cachepolicy_cache_status_to_header_value(member, &value));
    CHECK(take_text_equals(value, "\"My Cache\"; fwd=uri-miss; collapsed"));
    cachepolicy_cache_status_free(member);

    CHECK_OK(cachepolicy_cache_status_new(CACHEPOLICY_LITERAL("c"), &member));
    CHECK_OK(cachepolicy_cache_status_set_hit(member, true));
    CHECK_OK(cachepolicy_cache_status_set_ttl(member, 5));
    CHECK_OK(cachepolicy_cache_status_set_detail(member, CACHEPOLICY_LITERAL("warm")));
    CHECK_OK(cachepolicy_cache_status_set_forward(member, CACHEPOLICY_FORWARD_PARTIAL));
    CHECK_OK(cachepolicy_cache_status_set_forward(member, CACHEPOLICY_FORWARD_NONE));
    CHECK_OK(cachepolicy_cache_status_to_header_value(member, &value));
    CHECK(take_text_equals(value, "c; hit; ttl=5; detail=warm"));
    cachepolicy_cache_status_free(member);
    CHECK(is_text(cachepolicy_forward_code(CACHEPOLICY_FORWARD_VARY_MISS), "vary-miss"));
    cachepolicy_policy_free(policy);
}

int main(void) {
    RUN(versions_agree_with_the_header);
    RUN(options_have_defaults_setters_and_getters);
    RUN(a_fresh_response_is_stored_and_described);
    RUN(the_request_time_counts_in_the_age);
    RUN(a_fresh_hit_is_served_with_an_age);
    RUN(a_stale_response_is_revalidated_with_its_validators);
    RUN(a_matching_304_freshens_the_policy);
    RUN(a_new_response_replaces_the_stored_one);
    RUN(no_answer_keeps_the_stored_response_within_stale_if_error);
    RUN(stale_while_revalidate_serves_and_revalidates);
    RUN(only_if_cached_without_a_usable_response_is_a_504);
    RUN(a_different_url_is_no_match);
    RUN(not_storable_responses_say_why);
    RUN(a_post_invalidates_its_target_and_location);
    RUN(a_policy_survives_serialization);
    RUN(header_bytes_need_not_be_utf8_nor_terminated);
    RUN(every_code_and_description_has_text);
    RUN(an_error_object_carries_status_and_message);
    RUN(every_option_has_a_setter_and_a_getter);
    RUN(profiles_preset_the_options);
    RUN(an_accelerator_serves_within_its_grace_period);
    RUN(a_put_gets_lost_update_protection);
    RUN(keys_file_variants_and_select_one);
    RUN(cache_status_says_what_the_cache_did);
    return finish("test_api");
}
