// The header compiles as C++17 (-Wall -Wextra -Werror -pedantic) and links from C++: a
// fresh hit through the C API, with RAII owners for the handles.
#include <cstdio>
#include <cstring>
#include <memory>

#include "cachepolicy.h"

namespace {

struct PolicyFree {
    void operator()(cachepolicy_policy *p) const { cachepolicy_policy_free(p); }
};
struct HeadersFree {
    void operator()(cachepolicy_headers *h) const { cachepolicy_headers_free(h); }
};
using Policy = std::unique_ptr<cachepolicy_policy, PolicyFree>;
using Headers = std::unique_ptr<cachepolicy_headers, HeadersFree>;

constexpr int64_t t0 = INT64_C(1700000000000);

}  // namespace

int main() {
    static_assert(sizeof(cachepolicy_status) == 4, "statuses are 32 bits");
    static_assert(CACHEPOLICY_ABI_VERSION == ((CACHEPOLICY_ABI_MAJOR << 16) | CACHEPOLICY_ABI_MINOR), "ABI version");
    const cachepolicy_header request_headers[] = {CACHEPOLICY_HEADER_LITERAL("host", "example.com")};
    const cachepolicy_header response_headers[] = {CACHEPOLICY_HEADER_LITERAL("cache-control", "max-age=60")};
    const cachepolicy_request request = {CACHEPOLICY_LITERAL("GET"), CACHEPOLICY_LITERAL("https://example.com/"), request_headers, 1};
    const cachepolicy_response response = {200, response_headers, 1};

    cachepolicy_policy *raw = nullptr;
    cachepolicy_error *error = nullptr;
    if (cachepolicy_policy_new(nullptr, &request, &response, t0, t0, &raw, &error) != CACHEPOLICY_STATUS_OK) {
        cachepolicy_error_free(error);
        std::puts("header_cxx: 0 passed, 1 failed");
        return 1;
    }
    Policy policy(raw);
    cachepolicy_evaluation evaluation{};
    cachepolicy_headers *served_raw = nullptr;
    cachepolicy_status status = cachepolicy_policy_evaluate(policy.get(), &request, t0 + 5000, &evaluation, &served_raw, nullptr, nullptr);
    Headers served(served_raw);
    size_t count = 0;
    bool ok = status == CACHEPOLICY_STATUS_OK && evaluation.decision == CACHEPOLICY_DECISION_FRESH &&
              std::strcmp(cachepolicy_decision_code(evaluation.decision), "fresh") == 0 &&
              cachepolicy_headers_count(served.get(), &count) == CACHEPOLICY_STATUS_OK && count == 3;
    std::printf("header_cxx: %d passed, %d failed\n", ok ? 1 : 0, ok ? 0 : 1);
    return ok ? 0 : 1;
}
