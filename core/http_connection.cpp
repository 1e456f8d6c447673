#include "core/http_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cerrno>
#include <sys/socket.h>

namespace crmsync::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using steady = std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct resolve_state {
    explicit resolve_state(asio::any_io_executor ex) : wake(std::move(ex)) {}
    asio::steady_timer wake; // expires at the deadline; cancelled when the lookup is done
    bool done = false;
    error_code ec;
    tcp::resolver::results_type results;
};

// getaddrinfo cannot be interrupted, so the lookup runs in its own coroutine and this one stops
// waiting at the deadline; a late answer is dropped with the shared state.
asio::awaitable<boost::system::result<tcp::resolver::results_type>>
resolve(asio::any_io_executor ex, std::string host, std::uint16_t port, steady::time_point deadline)
{
    auto state = std::make_shared<resolve_state>(ex);
    state->wake.expires_at(deadline);
    asio::co_spawn(
        ex,
        [state, host = std::move(host), port]() -> asio::awaitable<void> {
            tcp::resolver resolver(state->wake.get_executor());
            auto [ec, results] = co_await resolver.async_resolve(host, std::to_string(port), use_tuple);
            state->ec = ec;
            state->results = std::move(results);
            state->done = true;
            state->wake.cancel();
        },
        asio::detached);
    co_await state->wake.async_wait(use_tuple);
    if (!state->done)
        co_return error_code(asio::error::timed_out);
    if (state->ec)
        co_return state->ec;
    co_return std::move(state->results);
}

error_code last_ssl_error()
{
    auto code = ::ERR_get_error();
    return error_code(static_cast<int>(code), asio::error::get_ssl_category());
}

} // namespace

beast::tcp_stream& http_connection::tcp()
{
    return visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); });
}

bool http_connection::looks_alive()
{
    auto& sock = tcp().socket();
    if (!sock.is_open())
        return false;
    char byte = 0;
    auto n = ::recv(sock.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0)
        return false;
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK;
    // Readable bytes on an idle TLS connection may be a session ticket or close_notify; let the
    // exchange find out. On plain HTTP they can only be garbage.
    return is_tls();
}

void http_connection::close()
{
    error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp().close();
}

asio::awaitable<boost::system::result<std::unique_ptr<http_connection>>>
open_connection(asio::any_io_executor ex, asio::ssl::context& tls, const parsed_url& url, connect_limits limits)
{
    auto connect_deadline = std::min(limits.deadline, steady::now() + limits.connect_timeout);

    auto endpoints = co_await resolve(ex, url.host, url.port, connect_deadline);
    if (!endpoints)
        co_return endpoints.error();

    beast::tcp_stream stream(ex);
    stream.expires_at(connect_deadline);
    auto [cec, endpoint] = co_await stream.async_connect(*endpoints, use_tuple);
    if (cec)
        co_return cec;
    error_code ignored;
    stream.socket().set_option(tcp::no_delay(true), ignored);

    if (url.scheme != "https") {
        stream.expires_never();
        co_return std::make_unique<http_connection>(std::move(stream));
    }

    tls_stream secure(std::move(stream), tls);
    error_code addr_ec;
    asio::ip::make_address(url.host, addr_ec);
    // SNI carries host names only; an IP literal is matched against the certificate's IP SANs.
    if (addr_ec && !::SSL_set_tlsext_host_name(secure.native_handle(), url.host.c_str()))
        co_return last_ssl_error();
    error_code vec;
    secure.set_verify_mode(asio::ssl::verify_peer, vec);
    if (!vec)
        secure.set_verify_callback(asio::ssl::host_name_verification(url.host), vec);
    if (vec)
        co_return vec;
    auto [hec] = co_await secure.async_handshake(asio::ssl::stream_base::client, use_tuple);
    if (hec)
        co_return hec;
    beast::get_lowest_layer(secure).expires_never();
    co_return std::make_unique<http_connection>(std::move(secure));
}

bool http_pool::expired(const idle_entry& e, steady::time_point now) const
{
    return now - e.since >= idle_timeout_;
}

void http_pool::prune(steady::time_point now)
{
    for (auto it = idle_.begin(); it != idle_.end();) {
        auto& list = it->second;
        while (!list.empty() && expired(list.front(), now)) {
            list.front().conn->close();
            list.pop_front();
        }
        it = list.empty() ? idle_.erase(it) : std::next(it);
    }
}

std::unique_ptr<http_connection> http_pool::take(const std::string& key)
{
    auto now = steady::now();
    prune(now);
    auto it = idle_.find(key);
    while (it != idle_.end() && !it->second.empty()) {
        auto conn = std::move(it->second.back().conn);
        it->second.pop_back();
        if (conn->looks_alive())
            return conn;
        conn->close();
    }
    return nullptr;
}

void http_pool::put(const std::string& key, std::unique_ptr<http_connection> conn)
{
    auto now = steady::now();
    prune(now);
    if (max_idle_ == 0 || idle_timeout_.count() <= 0) {
        conn->close();
        return;
    }
    auto& list = idle_[key];
    list.push_back(idle_entry{std::move(conn), now});
    while (list.size() > max_idle_) {
        list.front().conn->close();
        list.pop_front();
    }
}

} // namespace crmsync::detail
