#pragma once
// Time source. Everything that waits, paces or stamps takes a `clock&` so tests can drive time by hand
// (see tests/fakes/manual_clock.hpp) instead of sleeping.

#include <chrono>
#include <cstdint>

namespace crmsync {

using steady_time = std::chrono::steady_clock::time_point;
using wall_time = std::chrono::system_clock::time_point;
using std::chrono::milliseconds;

class clock {
public:
    virtual ~clock() = default;
    // Monotonic time for pacing, timeouts and backoff.
    virtual steady_time now() const = 0;
    // Wall-clock time for stamps that are stored or shown (cursor lag, audit, dead letters).
    virtual wall_time wall_now() const = 0;
};

// The process-wide real clock. Thread-safe.
const clock& system_clock();

inline std::int64_t to_unix_ms(wall_time t)
{
    return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

inline wall_time from_unix_ms(std::int64_t ms)
{
    return wall_time{milliseconds{ms}};
}

} // namespace crmsync
