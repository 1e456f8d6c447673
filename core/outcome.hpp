#pragma once
// Outcomes of API-dependent operations, returned as data (two error tiers):
//  - broken infrastructure or a bug throws;
//  - anything that depends on remote input or the network returns `outcome<T>`, whose error says
//    whether the engine should retry (and when), give up on that record, or pause the whole side.

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <iosfwd>
#include <string>

namespace crmsync {

enum class failure_kind {
    retry,     // transient: transport error, 408, 429, 5xx, THROTTLED
    permanent, // this request/record cannot succeed as is: 4xx, userErrors, validation
    paused,    // the whole side is unusable until an operator acts or a long wait passes (402, 423, 401 after renewal)
};

struct failure {
    failure_kind kind = failure_kind::retry;
    std::string message;                  // operator-facing: names the record and quotes the API
    std::chrono::milliseconds retry_after{0}; // server-requested minimum wait, 0 if none
    int http_status = 0;
};

inline failure retryable(std::string message, std::chrono::milliseconds after = {}, int status = 0)
{
    return failure{failure_kind::retry, std::move(message), after, status};
}
inline failure permanent(std::string message, int status = 0)
{
    return failure{failure_kind::permanent, std::move(message), {}, status};
}
inline failure paused(std::string message, std::chrono::milliseconds after = {}, int status = 0)
{
    return failure{failure_kind::paused, std::move(message), after, status};
}

// For diagnostics (test assertions print outcomes through it).
std::ostream& operator<<(std::ostream& os, const failure& f);

// Found by ADL when .value() is called on an outcome holding a failure.
[[noreturn]] void throw_exception_from_error(const failure& f, const boost::source_location& loc);

template <class T> using outcome = boost::system::result<T, failure>;

} // namespace crmsync
