#pragma once
// Internal to the HTTP client (included by core/http_client.cpp and core/http_connection.cpp only, so
// Beast stays out of the public headers): one client connection, plain or TLS, and the idle pool that
// keeps them between requests. Not thread-safe; everything runs on the client's executor.

#include "core/url.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <variant>

namespace crmsync::detail {

using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

class http_connection {
public:
    explicit http_connection(boost::beast::tcp_stream plain) : stream_(std::move(plain)) {}
    explicit http_connection(tls_stream tls) : stream_(std::move(tls)) {}

    bool is_tls() const { return std::holds_alternative<tls_stream>(stream_); }
    boost::beast::tcp_stream& tcp();
    // Calls f with the concrete stream (beast::tcp_stream& or tls_stream&).
    template <class F> decltype(auto) visit(F&& f) { return std::visit(std::forward<F>(f), stream_); }
    // Bytes read past the end of the previous response; a connection is only pooled while it is empty.
    boost::beast::flat_buffer& buffer() { return buffer_; }

    // Cheap, non-blocking check before reuse: false when the peer has closed (EOF or a pending error)
    // or, on plain HTTP, sent bytes nobody asked for. Catches most idle connections the server dropped
    // so that they are not written to at all; the client's retry covers the rest.
    bool looks_alive();
    void close();

private:
    std::variant<boost::beast::tcp_stream, tls_stream> stream_;
    boost::beast::flat_buffer buffer_;
};

struct connect_limits {
    std::chrono::steady_clock::time_point deadline;  // the request's total deadline
    std::chrono::milliseconds connect_timeout;       // TCP connect + TLS handshake
};

// Resolves, connects and, for https, performs the TLS handshake with SNI, peer and host-name
// verification. Errors are returned (timeouts as beast::error::timeout or asio::error::timed_out);
// nothing throws for network reasons.
boost::asio::awaitable<boost::system::result<std::unique_ptr<http_connection>>>
open_connection(boost::asio::any_io_executor ex, boost::asio::ssl::context& tls, const parsed_url& url,
                connect_limits limits);

// Idle keep-alive connections keyed by "scheme://host:port". Newest are reused first; past
// `max_idle_per_key` the oldest are closed; connections idle longer than `idle_timeout` are closed
// when the pool is next touched.
class http_pool {
public:
    http_pool(std::size_t max_idle_per_key, std::chrono::milliseconds idle_timeout)
        : max_idle_(max_idle_per_key), idle_timeout_(idle_timeout)
    {
    }
    std::unique_ptr<http_connection> take(const std::string& key);
    void put(const std::string& key, std::unique_ptr<http_connection> conn);

private:
    struct idle_entry {
        std::unique_ptr<http_connection> conn;
        std::chrono::steady_clock::time_point since;
    };
    bool expired(const idle_entry& e, std::chrono::steady_clock::time_point now) const;
    void prune(std::chrono::steady_clock::time_point now);

    std::size_t max_idle_;
    std::chrono::milliseconds idle_timeout_;
    std::unordered_map<std::string, std::deque<idle_entry>> idle_;
};

} // namespace crmsync::detail
