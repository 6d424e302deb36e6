/* A cache's two questions through libcachepolicy: may I store this response, and may I serve
 * it to a later request (and with which headers)?
 *
 *   cc example.c $(pkg-config --cflags --libs cachepolicy) -o example && ./example
 */
#include <stdio.h>

#include <cachepolicy.h>

#define T0 INT64_C(1700000000000) /* Unix milliseconds: Tue, 14 Nov 2023 22:13:20 GMT */

int main(void) {
    const cachepolicy_header request_headers[] = { CACHEPOLICY_HEADER_LITERAL("host", "example.com") };
    const cachepolicy_header response_headers[] = {
        CACHEPOLICY_HEADER_LITERAL("date", "Tue, 14 Nov 2023 22:13:20 GMT"),
        CACHEPOLICY_HEADER_LITERAL("cache-control", "max-age=3600"),
        CACHEPOLICY_HEADER_LITERAL("etag", "\"v1\""),
    };
    const cachepolicy_request request = {
        CACHEPOLICY_LITERAL("GET"), CACHEPOLICY_LITERAL("https://example.com/app.js"), request_headers, 1,
    };
    const cachepolicy_response response = { 200, response_headers, 3 };

    cachepolicy_policy *policy = NULL;
    cachepolicy_error *error = NULL;
    if (cachepolicy_policy_new(NULL, &request, &response, T0, T0, &policy, &error) != CACHEPOLICY_STATUS_OK) {
        const char *message = "";
        cachepolicy_error_message(error, &message, NULL);
        fprintf(stderr, "refused: %s\n", message);
        cachepolicy_error_free(error);
        return 1;
    }

    bool storable = false;
    cachepolicy_policy_storable(policy, &storable);
    printf("storable: %s\n", storable ? "yes" : "no");

    /* Ten seconds later, the same request comes in. */
    cachepolicy_evaluation evaluation;
    cachepolicy_headers *headers = NULL;
    cachepolicy_policy_evaluate(policy, &request, T0 + 10000, &evaluation, &headers, NULL, NULL);
    printf("decision: %s\n", cachepolicy_decision_code(evaluation.decision));

    size_t count = 0;
    cachepolicy_headers_count(headers, &count);
    for (size_t i = 0; i < count; i++) {
        cachepolicy_header line;
        cachepolicy_headers_get(headers, i, &line);
        printf("  %.*s: %.*s\n", (int)line.name_len, line.name, (int)line.value_len, line.value);
    }
    cachepolicy_headers_free(headers);
    cachepolicy_policy_free(policy);
    return 0;
}
