#pragma once
// Paces the requests of one API budget (design.md §6): a coroutine awaits acquire(cost) before sending
// and reports the response through observe(). Waiters are served by priority (live changes ahead of
// backfill), FIFO within a priority, and only once the rate_budget says the cost fits. A 429 or
// THROTTLED answer holds everyone until its Retry-After.
//
// Lives on the daemon's single event loop; not thread-safe.

#include "core/clock.hpp"
#include "core/rate_budget.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace crmsync {

enum class priority : std::uint8_t { live = 0, backfill = 1 };

struct gate_stats {
    std::uint64_t requests = 0;   // acquisitions granted
    std::uint64_t throttled = 0;  // responses refused for rate reasons
    std::chrono::milliseconds waited{0};
};

class request_gate {
public:
    request_gate(boost::asio::any_io_executor ex, const clock& clk, std::unique_ptr<rate_budget> budget, std::string name);
    ~request_gate();
    request_gate(const request_gate&) = delete;
    request_gate& operator=(const request_gate&) = delete;

    // Waits until `cost` fits the budget, then spends it. Throws boost::system::system_error
    // (operation_aborted) when the awaiting coroutine is cancelled.
    boost::asio::awaitable<void> acquire(double cost, priority p = priority::backfill);
    // Feeds what a response said; wakes the next waiter.
    void observe(const budget_observation& o);
    // Holds every acquisition until now + d (Retry-After of a 429, computed wait after THROTTLED).
    void hold_for(std::chrono::milliseconds d);
    // Re-evaluates the first waiter now. Waits are timed on the event loop's steady clock; a test that
    // moves an injected clock by hand calls this after each step (virtual time).
    void wake() { wake_head(); }

    const std::string& name() const { return name_; }
    budget_state state() const;
    gate_stats stats() const { return stats_; }
    rate_budget& budget() { return *budget_; }

private:
    struct waiter;
    void wake_head();

    boost::asio::any_io_executor ex_;
    const clock& clock_;
    std::unique_ptr<rate_budget> budget_;
    std::string name_;
    steady_time hold_until_{};
    std::uint64_t next_seq_ = 0;
    struct queue;
    std::unique_ptr<queue> queue_;
    gate_stats stats_;
};

} // namespace crmsync
