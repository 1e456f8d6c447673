#pragma once
// A scripted HTTP peer for client tests that need behaviour core/http_server never shows: a chunked
// body, or a keep-alive connection closed right after the response. For every request head (up to
// the blank line; request bodies are not supported, so use GET) it writes `response` verbatim; with
// `close_after_response` it then closes the connection, otherwise it waits for the next request.

#include <boost/asio/any_io_executor.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace crmsync::test {

class http_raw_server {
public:
    http_raw_server(boost::asio::any_io_executor ex, std::string response, bool close_after_response);
    ~http_raw_server();
    http_raw_server(const http_raw_server&) = delete;
    http_raw_server& operator=(const http_raw_server&) = delete;

    std::uint16_t port() const;
    std::size_t connections_accepted() const;
    std::size_t requests_answered() const;
    // Connections this server has closed after answering (close_after_response).
    std::size_t connections_closed() const;
    void stop();

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

} // namespace crmsync::test
