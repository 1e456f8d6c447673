#pragma once
// Fault injection shared by both emulators. A rule matches requests (by path prefix, writes only or
// all) and fires with a probability, optionally a limited number of times. The emulator asks
// `pick()` once per request and acts on the answer:
//  - before touching data: http_5xx, http_429, throttled (Shopify), reset, stall;
//  - after applying the request: apply_then_fail (the write happened, the response is lost),
//    malformed_json (200 with a broken body), slow_body.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace crmsync::sandbox {

enum class fault_kind {
    http_500,
    http_502,
    http_503,
    http_504,
    http_429,        // with Retry-After
    throttled,       // Shopify: HTTP 200 with errors[].extensions.code = THROTTLED
    reset,           // close the connection without a response
    stall,           // wait `delay` before answering (past the client's timeout)
    slow_body,       // send the body slowly (`delay` between chunks)
    malformed_json,  // 200 with a truncated JSON body (the request was applied)
    apply_then_fail, // apply the request, then reset the connection
};

std::string_view to_string(fault_kind k);
std::optional<fault_kind> fault_kind_from_string(std::string_view s);

struct fault_rule {
    fault_kind kind = fault_kind::http_500;
    double probability = 1.0;         // 0..1 per matching request
    std::int64_t remaining = -1;      // times it may still fire; -1 = unlimited
    std::string path_prefix;          // empty = every path
    bool writes_only = false;         // only mutations / write endpoints
    std::chrono::milliseconds delay{0};       // stall duration or slow-body chunk delay
    std::chrono::milliseconds retry_after{1000}; // for http_429
};

// Thread-safe (the sandbox binary may be poked from its control API while serving).
class fault_injector {
public:
    explicit fault_injector(std::uint64_t seed = 1) : rng_(seed) {}
    void add(fault_rule rule);
    void clear();
    std::size_t fired() const;
    // The fault to inject for this request, if any. Rules are tried in the order they were added.
    std::optional<fault_rule> pick(std::string_view path, bool is_write);

private:
    mutable std::mutex mu_;
    std::vector<fault_rule> rules_;
    std::mt19937_64 rng_;
    std::size_t fired_ = 0;
};

} // namespace crmsync::sandbox
