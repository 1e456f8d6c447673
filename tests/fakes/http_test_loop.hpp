#pragma once
// Drives an io_context from a test without sleeping: handlers run until a condition holds or a
// deadline passes. Single-threaded: the test thread is the loop's only thread.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>

namespace crmsync::test {

// Runs ready handlers until `done()` is true (checked after every handler) or `limit` has passed.
// Returns done(). Restarts the context if it had run out of work before.
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit = std::chrono::seconds(5));

// Result slot of a spawned coroutine; shared so a task still pending at a failed deadline cannot
// write into a dead stack frame.
template <class T> struct task_slot {
    bool finished = false;
    std::optional<T> value;
    std::exception_ptr error;
    // The value, rethrowing the task's exception. Precondition: finished.
    T take()
    {
        if (error)
            std::rethrow_exception(error);
        return std::move(*value);
    }
};

// Starts `task` on `io` without running the loop (several tasks can then run concurrently).
template <class T>
std::shared_ptr<task_slot<T>> spawn_task(boost::asio::io_context& io, boost::asio::awaitable<T> task)
{
    auto slot = std::make_shared<task_slot<T>>();
    boost::asio::co_spawn(io, std::move(task), [slot](std::exception_ptr e, T v) {
        slot->error = e;
        if (!e)
            slot->value.emplace(std::move(v));
        slot->finished = true;
    });
    return slot;
}

// Spawns `task` and runs the loop until it finishes; nullopt when the deadline passed first.
template <class T>
std::optional<T> run_task(boost::asio::io_context& io, boost::asio::awaitable<T> task,
                          std::chrono::milliseconds limit = std::chrono::seconds(5))
{
    auto slot = spawn_task(io, std::move(task));
    if (!run_until(io, [&] { return slot->finished; }, limit))
        return std::nullopt;
    return slot->take();
}

} // namespace crmsync::test
