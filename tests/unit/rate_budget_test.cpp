#include "core/rate_budget.hpp"
#include "core/retry_policy.hpp"
#include "tests/fakes/manual_clock.hpp"

#include <doctest/doctest.h>

using namespace crmsync;
using namespace std::chrono_literals;

TEST_CASE("cost bucket: waits before sending until the requested cost is available")
{
    test::manual_clock clk;
    cost_bucket b(2000, 100, 1.0);
    auto t = clk.now();
    CHECK(b.delay(500, t) == 0ms);
    b.spend(500, t);
    b.spend(1400, t);
    CHECK(b.state(t).available == doctest::Approx(100));
    // 100 available, 300 wanted: 200 points at 100/s.
    CHECK(b.delay(300, t) == 2000ms);
    clk.advance(1500ms);
    CHECK(b.delay(300, clk.now()) == 500ms);
    clk.advance(500ms);
    CHECK(b.delay(300, clk.now()) == 0ms);
    // Never above capacity.
    clk.advance(1h);
    CHECK(b.state(clk.now()).available == doctest::Approx(2000));
}

TEST_CASE("cost bucket: keeps (1 - max_share) in reserve and follows throttleStatus")
{
    test::manual_clock clk;
    cost_bucket b(2000, 100, 0.8);
    auto t = clk.now();
    CHECK(b.state(t).capacity == doctest::Approx(1600));
    b.spend(1500, t);
    // 500 left, 400 of them reserved: a 150-point query waits for 50 points.
    CHECK(b.delay(150, t) == 500ms);
    // The server says its bucket is smaller and emptier than we thought (another client shares it).
    b.observe({.bucket_max = 1000, .bucket_available = 250, .restore_rate = 50, .requested_cost = 1500,
               .actual_cost = 12},
              t);
    CHECK(b.capacity() == 1000);
    CHECK(b.restore_rate() == 50);
    // reserve 200: 250 available, 100 wanted -> needs 300 -> 50 points at 50/s.
    CHECK(b.delay(100, t) == 1000ms);
    // A query more expensive than our share still runs once the bucket is full.
    clk.advance(1h);
    CHECK(b.delay(950, clk.now()) == 0ms);
}

TEST_CASE("cost bucket: requests in flight are not double counted by an observation")
{
    test::manual_clock clk;
    cost_bucket b(2000, 100, 1.0);
    auto t = clk.now();
    b.spend(500, t); // request A
    b.spend(500, t); // request B, both in flight
    // A's response: the server charged A (requested 500, refunded to 10) but has not seen B yet.
    b.observe({.bucket_max = 2000, .bucket_available = 1990, .restore_rate = 100, .requested_cost = 500,
               .actual_cost = 10},
              t);
    CHECK(b.state(t).available == doctest::Approx(1490));
}

TEST_CASE("cost bucket: a restore rate near zero waits at most a day, never a negative time")
{
    // throttleStatus comes from the response: a hostile or broken one must not make the wait overflow.
    test::manual_clock clk;
    cost_bucket b(2000, 100, 1.0);
    auto t = clk.now();
    b.spend(2000, t);
    b.observe({.bucket_available = 0, .restore_rate = 1e-300}, t);
    CHECK(b.delay(500, t) == 24h);
}

TEST_CASE("window budget: at most max_share of the window, waiting for the oldest use to expire")
{
    test::manual_clock clk;
    window_budget w(100, 10s, 0.8, 250'000);
    for (int i = 0; i < 80; ++i) {
        REQUIRE(w.delay(1, clk.now()) == 0ms);
        w.spend(1, clk.now());
        clk.advance(10ms);
    }
    // 80 used in the last 800 ms: the first use expires 10 s after it was made.
    auto d = w.delay(1, clk.now());
    CHECK(d > 9000ms);
    CHECK(d <= 9201ms);
    clk.advance(d);
    CHECK(w.delay(1, clk.now()) == 0ms);
}

TEST_CASE("window budget: usage by other apps seen in the headers shrinks our room")
{
    test::manual_clock clk;
    window_budget w(100, 10s, 0.8);
    w.spend(1, clk.now());
    // The server says 60 of 100 are left: 39 were used by someone else.
    w.observe({.window_max = 100, .window_remaining = 60, .window_interval = 10s}, clk.now());
    int sent = 1;
    while (w.delay(1, clk.now()) == 0ms) {
        w.spend(1, clk.now());
        ++sent;
    }
    CHECK(sent == 61); // the window is full (39 + 61 = 100); our own cap (80) was not the limit
    clk.advance(10s + 1ms);
    CHECK(w.delay(1, clk.now()) == 0ms);
}

TEST_CASE("window budget: a 429 without numbers fills the window - the daily share stops spending")
{
    test::manual_clock clk;
    window_budget w(100, 10s, 0.8, 1000);
    w.observe({.throttled = true}, clk.now());
    CHECK(w.delay(1, clk.now()) > 9000ms);
    clk.advance(11s);
    CHECK(w.delay(1, clk.now()) == 0ms);
    w.observe({.daily_max = 1000, .daily_remaining = 201}, clk.now());
    CHECK(w.delay(1, clk.now()) == 0ms);
    w.spend(1, clk.now());
    CHECK(w.delay(1, clk.now()) >= std::chrono::milliseconds{std::chrono::hours{1}});
    CHECK(w.state(clk.now()).daily_remaining == doctest::Approx(200));
}

TEST_CASE("retry policy: exponential backoff with full jitter, capped, honouring Retry-After")
{
    retry_policy p{.base = 100ms, .cap = 2000ms, .max_attempts = 5};
    std::mt19937_64 rng(42);
    for (int attempt = 1; attempt <= 10; ++attempt) {
        auto ceiling = std::min<std::int64_t>(2000, 100LL << (attempt - 1));
        for (int i = 0; i < 50; ++i) {
            auto d = p.backoff(attempt, 0ms, rng);
            CHECK(d.count() >= 0);
            CHECK(d.count() <= ceiling);
        }
    }
    CHECK(p.backoff(1, 5000ms, rng) == 5000ms);
    auto now = from_unix_ms(1'700'000'000'000);
    CHECK(parse_retry_after("2.0", now) == 2000ms);
    CHECK(parse_retry_after(" 7 ", now) == 7000ms);
    CHECK(parse_retry_after("soon", now) == 0ms);
    CHECK(parse_retry_after("Tue, 14 Nov 2023 22:13:40 GMT", now) == 20000ms);
    CHECK(is_retryable_status(429));
    CHECK(is_retryable_status(503));
    CHECK_FALSE(is_retryable_status(400));
    CHECK_FALSE(is_retryable_status(409));
}

TEST_CASE("window budget: a 429 that says when to come back is trusted instead of assuming a full window")
{
    test::manual_clock clk;
    window_budget w(100, 10s, 0.8);
    w.observe({.throttled = true, .retry_after = 1000ms}, clk.now());
    // The gate holds for the Retry-After; the model itself keeps its room.
    CHECK(w.delay(1, clk.now()) == 0ms);
}
