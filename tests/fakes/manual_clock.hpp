#pragma once
// A clock that only moves when a test says so. Not thread-safe for concurrent advance() calls;
// readers on other threads see a consistent value (atomics).

#include "core/clock.hpp"

#include <atomic>

namespace crmsync::test {

class manual_clock final : public crmsync::clock {
public:
    explicit manual_clock(wall_time start = from_unix_ms(1'790'000'000'000)) // 2026-09-21
        : steady_(0), wall_(to_unix_ms(start))
    {
    }

    steady_time now() const override { return steady_time{milliseconds{steady_.load()}}; }
    wall_time wall_now() const override { return from_unix_ms(wall_.load()); }

    void advance(milliseconds d)
    {
        steady_ += d.count();
        wall_ += d.count();
    }

private:
    std::atomic<std::int64_t> steady_;
    std::atomic<std::int64_t> wall_;
};

} // namespace crmsync::test
