#include "tests/fakes/http_test_loop.hpp"

namespace crmsync::test {

bool run_until(boost::asio::io_context& io, const std::function<bool()>& done, std::chrono::milliseconds limit)
{
    auto deadline = std::chrono::steady_clock::now() + limit;
    if (io.stopped())
        io.restart();
    while (!done()) {
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline)
            return false;
        // Blocks until a handler is ready (at most until the deadline): waiting, not sleeping.
        if (io.run_one_until(deadline) == 0 && io.stopped()) {
            // Out of work: nothing can change done() any more.
            io.restart();
            return done();
        }
    }
    return true;
}

} // namespace crmsync::test
