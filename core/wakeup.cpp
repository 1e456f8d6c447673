#include "core/wakeup.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace crmsync {

namespace asio = boost::asio;

asio::awaitable<void> throw_if_cancelled()
{
    auto cs = co_await asio::this_coro::cancellation_state;
    if (cs.cancelled() != asio::cancellation_type::none)
        throw boost::system::system_error(asio::error::operation_aborted);
}

asio::awaitable<void> wakeup::wait_for(std::chrono::milliseconds max_wait)
{
    if (!pending_ && max_wait.count() > 0) {
        timer_.expires_after(max_wait);
        co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
        auto cs = co_await asio::this_coro::cancellation_state;
        if (cs.cancelled() != asio::cancellation_type::none)
            throw boost::system::system_error(asio::error::operation_aborted);
    }
    pending_ = false;
}

} // namespace crmsync
