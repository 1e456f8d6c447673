// core/http_server against hostile and faulty input, driven by the real client and by raw sockets.

#include "core/http_client.hpp"
#include "core/http_server.hpp"
#include "tests/fakes/http_test_loop.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

using namespace crmsync;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using crmsync::test::run_task;
using crmsync::test::run_until;
using crmsync::test::spawn_task;
using steady = std::chrono::steady_clock;

namespace {

http_request request(std::string method, std::string url, std::string body = {},
                     std::chrono::milliseconds timeout = 2s)
{
    http_request req;
    req.method = std::move(method);
    req.url = std::move(url);
    req.body = std::move(body);
    req.timeout = timeout;
    return req;
}

std::string base_url(const http_server& server)
{
    return "http://127.0.0.1:" + std::to_string(server.port());
}

http_server_reply text_reply(std::string body, int status = 200)
{
    http_server_reply reply;
    reply.response.status = status;
    reply.response.body = std::move(body);
    return reply;
}

boost::system::result<http_response> send_now(asio::io_context& io, http_client& client, http_request req)
{
    auto r = run_task(io, client.send(std::move(req)));
    REQUIRE(r.has_value());
    return std::move(*r);
}

// Connects, writes `data` (optionally half-closing), and reads until the server closes.
asio::awaitable<std::string> raw_exchange(std::uint16_t port, std::string data, bool half_close = false)
{
    tcp::socket socket(co_await asio::this_coro::executor);
    co_await socket.async_connect({asio::ip::make_address("127.0.0.1"), port}, asio::use_awaitable);
    if (!data.empty())
        co_await asio::async_write(socket, asio::buffer(data), asio::use_awaitable);
    if (half_close)
        socket.shutdown(tcp::socket::shutdown_send);
    std::string out;
    co_await asio::async_read(socket, asio::dynamic_buffer(out), asio::as_tuple(asio::use_awaitable));
    co_return out;
}

std::string raw_now(asio::io_context& io, std::uint16_t port, std::string data, bool half_close = false)
{
    auto r = run_task(io, raw_exchange(port, std::move(data), half_close), 2s);
    REQUIRE(r.has_value());
    return *r;
}

bool starts_with(const std::string& s, std::string_view prefix)
{
    return s.compare(0, prefix.size(), prefix) == 0;
}

} // namespace

TEST_CASE("a body over max_body_bytes is answered 413 without calling the handler")
{
    asio::io_context io;
    int calls = 0;
    http_server_settings settings;
    settings.max_body_bytes = 16;
    http_server server(io.get_executor(), settings, [&](http_server_request& req) -> asio::awaitable<http_server_reply> {
        ++calls;
        co_return text_reply("len " + std::to_string(req.body.size()));
    });
    REQUIRE(server.start().has_value());
    auto client = make_http_client(io.get_executor());

    auto at_limit = send_now(io, *client, request("POST", base_url(server) + "/", std::string(16, 'x')));
    REQUIRE(at_limit.has_value());
    CHECK(at_limit->status == 200);
    CHECK(at_limit->body == "len 16");

    auto over = send_now(io, *client, request("POST", base_url(server) + "/", std::string(100, 'x')));
    REQUIRE(over.has_value());
    CHECK(over->status == 413);
    CHECK(over->body == R"({"error":"payload too large"})");
    CHECK(over->headers.get("Connection") == "close");
    CHECK(calls == 1);

    // Chunked bodies are measured as they arrive.
    auto chunked = raw_now(io, server.port(),
                           "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "10\r\n0123456789abcdef\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n");
    CHECK(starts_with(chunked, "HTTP/1.1 413"));
    CHECK(calls == 1);
}

TEST_CASE("malformed requests are answered 400 and closed")
{
    asio::io_context io;
    int calls = 0;
    http_server server(io.get_executor(), {}, [&](http_server_request&) -> asio::awaitable<http_server_reply> {
        ++calls;
        co_return text_reply("ok");
    });
    REQUIRE(server.start().has_value());

    auto bad_line = raw_now(io, server.port(), "THIS IS NOT HTTP\r\n\r\n");
    CHECK(starts_with(bad_line, "HTTP/1.1 400"));
    CHECK(bad_line.find(R"({"error":"bad request"})") != std::string::npos);

    std::string garbage(300, '\0');
    for (std::size_t i = 0; i < garbage.size(); ++i)
        garbage[i] = static_cast<char>((i * 37 + 11) % 256);
    CHECK(starts_with(raw_now(io, server.port(), garbage), "HTTP/1.1 400"));

    auto bad_length = raw_now(io, server.port(), "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n");
    CHECK(starts_with(bad_length, "HTTP/1.1 400"));

    auto huge_header = raw_now(io, server.port(),
                               "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n");
    CHECK(starts_with(huge_header, "HTTP/1.1 431"));

    CHECK(calls == 0);
    // Still serving.
    auto fine = raw_now(io, server.port(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(starts_with(fine, "HTTP/1.1 200"));
    CHECK(calls == 1);
}

TEST_CASE("keep-alive on the server: pipelined requests on one connection are answered in order")
{
    asio::io_context io;
    http_server server(io.get_executor(), {}, [](http_server_request& req) -> asio::awaitable<http_server_reply> {
        co_return text_reply(req.target);
    });
    REQUIRE(server.start().has_value());
    auto out = raw_now(io, server.port(),
                       "GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    auto one = out.find("/one");
    auto two = out.find("/two");
    CHECK(one != std::string::npos);
    CHECK(two != std::string::npos);
    CHECK(one < two);
    CHECK(server.requests_served() == 2);
}

TEST_CASE("Expect: 100-continue gets the interim response before the body is sent")
{
    asio::io_context io;
    http_server server(io.get_executor(), {}, [](http_server_request& req) -> asio::awaitable<http_server_reply> {
        co_return text_reply("got " + req.body);
    });
    REQUIRE(server.start().has_value());
    auto flow = [&]() -> asio::awaitable<std::string> {
        tcp::socket socket(co_await asio::this_coro::executor);
        co_await socket.async_connect({asio::ip::make_address("127.0.0.1"), server.port()}, asio::use_awaitable);
        std::string head = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n"
                           "Connection: close\r\n\r\n";
        co_await asio::async_write(socket, asio::buffer(head), asio::use_awaitable);
        std::string interim;
        co_await asio::async_read_until(socket, asio::dynamic_buffer(interim), "\r\n\r\n", asio::use_awaitable);
        if (!starts_with(interim, "HTTP/1.1 100"))
            co_return "no interim response: " + interim;
        co_await asio::async_write(socket, asio::buffer(std::string("data")), asio::use_awaitable);
        std::string rest;
        co_await asio::async_read(socket, asio::dynamic_buffer(rest), asio::as_tuple(asio::use_awaitable));
        co_return rest;
    };
    auto r = run_task(io, flow());
    REQUIRE(r.has_value());
    CHECK(starts_with(*r, "HTTP/1.1 200"));
    CHECK(r->find("got data") != std::string::npos);
}

TEST_CASE("reply faults: reset and truncation are client errors, a slow body arrives whole")
{
    asio::io_context io;
    http_server_reply next;
    http_server server(io.get_executor(), {}, [&](http_server_request&) -> asio::awaitable<http_server_reply> {
        co_return next;
    });
    REQUIRE(server.start().has_value());
    auto client = make_http_client(io.get_executor());
    auto url = base_url(server) + "/";

    SUBCASE("reset_before_reply")
    {
        next = text_reply("never seen");
        next.fault = reply_fault::reset_before_reply;
        auto r = send_now(io, *client, request("GET", url));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() != http_client_errc::timeout);
    }
    SUBCASE("truncate_body")
    {
        next = text_reply(std::string(1000, 't'));
        next.fault = reply_fault::truncate_body;
        auto r = send_now(io, *client, request("GET", url));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() != http_client_errc::timeout);
    }
    SUBCASE("slow_body")
    {
        std::string body;
        for (int i = 0; i < 100; ++i)
            body += static_cast<char>('a' + i % 26);
        next = text_reply(body);
        next.fault = reply_fault::slow_body;
        next.slow_chunk_delay = 10ms;
        auto started = steady::now();
        auto r = send_now(io, *client, request("GET", url));
        auto elapsed = steady::now() - started;
        REQUIRE(r.has_value());
        CHECK(r->body == body);
        CHECK(elapsed >= 70ms); // eight pieces, seven pauses
        CHECK(elapsed < 1s);
        // The connection stays usable after a slow body.
        next = text_reply("after");
        auto again = send_now(io, *client, request("GET", url));
        REQUIRE(again.has_value());
        CHECK(again->body == "after");
        CHECK(client->stats().connections_opened == 1);
    }
}

TEST_CASE("a handler exception is a 500 and the server keeps serving")
{
    asio::io_context io;
    int calls = 0;
    http_server server(io.get_executor(), {}, [&](http_server_request&) -> asio::awaitable<http_server_reply> {
        if (++calls == 1)
            throw std::runtime_error("handler bug");
        co_return text_reply("recovered");
    });
    REQUIRE(server.start().has_value());
    auto client = make_http_client(io.get_executor());
    auto failed = send_now(io, *client, request("GET", base_url(server) + "/"));
    REQUIRE(failed.has_value());
    CHECK(failed->status == 500);
    CHECK(failed->body == R"({"error":"internal error"})");
    auto ok = send_now(io, *client, request("GET", base_url(server) + "/"));
    REQUIRE(ok.has_value());
    CHECK(ok->status == 200);
    CHECK(ok->body == "recovered");
}

TEST_CASE("stop() closes open connections promptly and cancels pending handlers")
{
    asio::io_context io;
    bool entered = false;
    bool handler_finished = false;
    http_server server(io.get_executor(), {}, [&](http_server_request&) -> asio::awaitable<http_server_reply> {
        entered = true;
        asio::steady_timer stall(co_await asio::this_coro::executor, 30s);
        auto [ec] = co_await stall.async_wait(asio::as_tuple(asio::use_awaitable));
        handler_finished = true;
        co_return text_reply(ec ? "cancelled" : "late");
    });
    REQUIRE(server.start().has_value());
    auto client = make_http_client(io.get_executor());
    auto task = spawn_task(io, client->send(request("GET", base_url(server) + "/", {}, 10s)));
    REQUIRE(run_until(io, [&] { return entered; }));

    auto started = steady::now();
    server.stop();
    REQUIRE(run_until(io, [&] { return task->finished; }, 1s));
    CHECK(steady::now() - started < 500ms);
    auto r = task->take();
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() != http_client_errc::timeout);
    CHECK(run_until(io, [&] { return handler_finished; }, 1s));

    // No longer accepting.
    auto refused = send_now(io, *client, request("GET", base_url(server) + "/"));
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error() == asio::error::connection_refused);
}

TEST_CASE("start() reports an address in use instead of throwing")
{
    asio::io_context io;
    auto handler = [](http_server_request&) -> asio::awaitable<http_server_reply> { co_return text_reply("ok"); };
    http_server first(io.get_executor(), {}, handler);
    REQUIRE(first.start().has_value());
    CHECK(first.port() != 0);

    http_server_settings settings;
    settings.port = first.port();
    http_server second(io.get_executor(), settings, handler);
    auto r = second.start();
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == asio::error::address_in_use);

    settings.host = "not an address";
    http_server third(io.get_executor(), settings, handler);
    CHECK_FALSE(third.start().has_value());
}

TEST_CASE("read_timeout closes idle and slow connections")
{
    asio::io_context io;
    http_server_settings settings;
    settings.read_timeout = 100ms;
    http_server server(io.get_executor(), settings, [](http_server_request&) -> asio::awaitable<http_server_reply> {
        co_return text_reply("ok");
    });
    REQUIRE(server.start().has_value());

    auto started = steady::now();
    auto idle = raw_now(io, server.port(), "");
    auto idle_elapsed = steady::now() - started;
    CHECK(idle.empty());
    CHECK(idle_elapsed >= 90ms);
    CHECK(idle_elapsed < 1s);

    // A request head that never ends.
    started = steady::now();
    auto slow = raw_now(io, server.port(), "GET / HTTP/1.1\r\nHost: x\r\n");
    CHECK(slow.empty());
    CHECK(steady::now() - started < 1s);
}

TEST_CASE("connections beyond max_connections are answered 503")
{
    asio::io_context io;
    http_server_settings settings;
    settings.max_connections = 1;
    http_server server(io.get_executor(), settings, [](http_server_request&) -> asio::awaitable<http_server_reply> {
        co_return text_reply("ok");
    });
    REQUIRE(server.start().has_value());
    auto client = make_http_client(io.get_executor());
    // The client keeps its connection alive: the one slot is taken.
    REQUIRE(send_now(io, *client, request("GET", base_url(server) + "/")).has_value());

    auto refused = raw_now(io, server.port(), "");
    CHECK(starts_with(refused, "HTTP/1.1 503"));
    auto again = send_now(io, *client, request("GET", base_url(server) + "/"));
    REQUIRE(again.has_value());
    CHECK(again->status == 200);
    CHECK(client->stats().connections_opened == 1);
}
