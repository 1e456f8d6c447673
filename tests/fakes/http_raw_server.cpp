#include "tests/fakes/http_raw_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <map>

namespace crmsync::test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct http_raw_server::impl : std::enable_shared_from_this<impl> {
    impl(asio::any_io_executor ex, std::string response, bool close_after)
        : ex_(ex), acceptor_(ex), response_(std::move(response)), close_after_(close_after)
    {
    }

    asio::awaitable<void> accept_loop(std::shared_ptr<impl> self)
    {
        for (;;) {
            auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec || stopped_)
                co_return;
            ++accepted_;
            auto id = next_id_++;
            auto& sock = *sockets_.emplace(id, std::make_unique<tcp::socket>(std::move(socket))).first->second;
            asio::co_spawn(ex_, serve(self, sock), [self, id](std::exception_ptr) {
                asio::post(self->ex_, [self, id] { self->sockets_.erase(id); });
            });
        }
    }

    asio::awaitable<void> serve([[maybe_unused]] std::shared_ptr<impl> self, tcp::socket& socket)
    {
        constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
        std::string input;
        for (;;) {
            auto [rec, n] = co_await asio::async_read_until(socket, asio::dynamic_buffer(input), "\r\n\r\n", use_tuple);
            if (rec)
                co_return;
            input.erase(0, n);
            auto [wec, written] = co_await asio::async_write(socket, asio::buffer(response_), use_tuple);
            if (wec)
                co_return;
            ++answered_;
            if (close_after_) {
                boost::system::error_code ignored;
                socket.shutdown(tcp::socket::shutdown_both, ignored);
                socket.close(ignored);
                ++closed_;
                co_return;
            }
        }
    }

    void stop()
    {
        stopped_ = true;
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        for (auto& [id, socket] : sockets_)
            socket->close(ignored);
    }

    asio::any_io_executor ex_;
    tcp::acceptor acceptor_;
    std::string response_;
    bool close_after_;
    std::map<std::uint64_t, std::unique_ptr<tcp::socket>> sockets_;
    std::uint64_t next_id_ = 0;
    std::uint16_t port_ = 0;
    bool stopped_ = false;
    std::size_t accepted_ = 0;
    std::size_t answered_ = 0;
    std::size_t closed_ = 0;
};

http_raw_server::http_raw_server(asio::any_io_executor ex, std::string response, bool close_after_response)
    : impl_(std::make_shared<impl>(ex, std::move(response), close_after_response))
{
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    impl_->acceptor_.open(endpoint.protocol());
    impl_->acceptor_.bind(endpoint);
    impl_->acceptor_.listen();
    impl_->port_ = impl_->acceptor_.local_endpoint().port();
    asio::co_spawn(ex, impl_->accept_loop(impl_), [](std::exception_ptr) {});
}

http_raw_server::~http_raw_server()
{
    impl_->stop();
}

std::uint16_t http_raw_server::port() const
{
    return impl_->port_;
}

std::size_t http_raw_server::connections_accepted() const
{
    return impl_->accepted_;
}

std::size_t http_raw_server::requests_answered() const
{
    return impl_->answered_;
}

std::size_t http_raw_server::connections_closed() const
{
    return impl_->closed_;
}

void http_raw_server::stop()
{
    impl_->stop();
}

} // namespace crmsync::test
