#pragma once
// A level-triggered wake-up for one waiting coroutine: notify() before wait() is not lost. Used to wake
// the reconciler when links become dirty, pushers when the outbox fills, pollers on demand.
// Single event loop; not thread-safe.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>

namespace crmsync {

class wakeup {
public:
    explicit wakeup(boost::asio::any_io_executor ex) : timer_(std::move(ex)) {}

    void notify()
    {
        pending_ = true;
        timer_.cancel();
    }

    // Returns when notified (now or earlier) or after `max_wait`. Throws operation_aborted when the
    // awaiting coroutine is cancelled.
    boost::asio::awaitable<void> wait_for(std::chrono::milliseconds max_wait);

private:
    boost::asio::steady_timer timer_;
    bool pending_ = false;
};

// Throws operation_aborted when the calling coroutine has been cancelled. Loops that may go a while
// without awaiting a cancellable operation (a busy pusher, a long poll) call it once per iteration so
// that shutdown is prompt.
boost::asio::awaitable<void> throw_if_cancelled();

} // namespace crmsync
