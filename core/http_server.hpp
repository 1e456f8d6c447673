#pragma once
// Small HTTP/1.1 server (plain TCP) used by the daemon (status, metrics, dashboard, webhooks) and by
// the sandbox emulators. Beast stays inside http_server.cpp.
//
// The handler is a coroutine so that it may wait (the sandbox injects stalls and slow bodies this
// way). Requests on one connection are handled one at a time; connections are independent.
// Not thread-safe: construct, start, stop and destroy on the executor's thread (or while its loop is
// not running). The server must be stopped (or destroyed) before the handler's captures die; a
// cancelled handler sees operation_aborted at its next co_await.

#include "core/http.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace crmsync {

struct http_server_request {
    std::string method;
    std::string target; // path and query as sent
    http_headers headers;
    std::string body;
    std::string remote_address;
};

// How the server delivers a reply; anything but `normal` exists for fault injection in the sandbox.
enum class reply_fault {
    normal,
    reset_before_reply,  // close the connection without answering
    truncate_body,       // send headers and half the body, then close
    slow_body,           // send the body in 8 pieces with `slow_chunk_delay` between them
};

struct http_server_reply {
    http_response response;
    reply_fault fault = reply_fault::normal;
    std::chrono::milliseconds slow_chunk_delay{0};
};

using http_handler = std::function<boost::asio::awaitable<http_server_reply>(http_server_request&)>;

struct http_server_settings {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0; // 0 = pick a free port (tests)
    // Larger request bodies are answered 413 without calling the handler.
    std::size_t max_body_bytes = 1024 * 1024;
    // Bounds each read (idle keep-alive wait, slow headers or body) and each write; not the handler.
    std::chrono::milliseconds read_timeout{10'000};
    // Connections beyond this are answered 503 and closed at once.
    std::size_t max_connections = 256;
};

class http_server {
public:
    http_server(boost::asio::any_io_executor ex, http_server_settings settings, http_handler handler);
    ~http_server();
    http_server(const http_server&) = delete;
    http_server& operator=(const http_server&) = delete;

    // Binds and starts accepting. Returns the error (address in use, permission) instead of throwing.
    boost::system::result<void> start();
    // The bound port (useful with port 0). Valid after start().
    std::uint16_t port() const;
    // Stops accepting and closes every connection; pending handlers are cancelled.
    void stop();
    // Number of requests handed to the handler and answered (faults included) so far; a progress
    // signal for the watchdog, readable from any thread.
    std::uint64_t requests_served() const;

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

} // namespace crmsync
