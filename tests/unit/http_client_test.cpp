// The HTTP client against the real core/http_server, a scripted raw peer and a TLS server with a
// certificate generated at runtime. Everything runs on one io_context driven by the test thread.

#include "core/http_client.hpp"
#include "core/http_server.hpp"
#include "tests/fakes/http_raw_server.hpp"
#include "tests/fakes/http_test_loop.hpp"
#include "tests/fakes/tls_fixture.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <doctest/doctest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace crmsync;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using crmsync::test::run_task;
using crmsync::test::run_until;
using crmsync::test::spawn_task;
using steady = std::chrono::steady_clock;

namespace {

http_request get(std::string url, std::chrono::milliseconds timeout = 2s)
{
    http_request req;
    req.url = std::move(url);
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
    reply.response.headers.add("Content-Type", "text/plain");
    reply.response.body = std::move(body);
    return reply;
}

// Sends one request and runs the loop until the answer; fails the test if it never comes.
boost::system::result<http_response> send_now(asio::io_context& io, http_client& client, http_request req)
{
    auto r = run_task(io, client.send(std::move(req)));
    REQUIRE(r.has_value());
    return std::move(*r);
}

bool is_ssl_verify_failure(const boost::system::error_code& ec)
{
    return ec.category() == asio::error::get_ssl_category() &&
           ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED;
}

} // namespace

TEST_CASE("a plain HTTP round trip carries method, target, headers and body both ways")
{
    asio::io_context io;
    std::optional<http_server_request> seen;
    http_server server(io.get_executor(), {}, [&](http_server_request& req) -> asio::awaitable<http_server_reply> {
        seen = req;
        auto reply = text_reply("got:" + req.body, 201);
        reply.response.headers.add("X-Reply", "yes");
        co_return reply;
    });
    REQUIRE(server.start().has_value());
    auto client = make_http_client(io.get_executor());

    http_request req;
    req.method = "POST";
    req.url = base_url(server) + "/items/7?x=1&y=a%20b";
    req.headers.add("X-Trace", "abc");
    req.headers.add("Content-Type", "application/json");
    req.body = R"({"a":1})";
    auto res = send_now(io, *client, req);

    REQUIRE(res.has_value());
    CHECK(res->status == 201);
    CHECK(res->headers.get("x-reply") == "yes");
    CHECK(res->body == R"(got:{"a":1})");
    REQUIRE(seen.has_value());
    CHECK(seen->method == "POST");
    CHECK(seen->target == "/items/7?x=1&y=a%20b");
    CHECK(seen->headers.get("X-Trace") == "abc");
    CHECK(seen->headers.get("Host") == "127.0.0.1:" + std::to_string(server.port()));
    CHECK(seen->headers.get("User-Agent") == "crmsync/" CRMSYNC_VERSION);
    CHECK(seen->headers.get("Content-Length") == "7");
    CHECK(seen->body == R"({"a":1})");
    CHECK(seen->remote_address == "127.0.0.1");
    CHECK(server.requests_served() == 1);
    CHECK(client->stats().requests == 1);
}

TEST_CASE("URLs are checked before any network activity")
{
    asio::io_context io;
    auto client = make_http_client(io.get_executor());

    auto insecure = send_now(io, *client, get("http://example.com/x"));
    REQUIRE_FALSE(insecure.has_value());
    CHECK(insecure.error() == http_client_errc::insecure_url);

    for (const char* bad : {"ftp://example.com/", "not a url", "https:///no-host", "http://[::1", "/relative"}) {
        CAPTURE(bad);
        auto r = send_now(io, *client, get(bad));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == http_client_errc::bad_url);
    }
    CHECK(client->stats().connections_opened == 0);

    // Plain HTTP to loopback is allowed: it gets as far as the (refused) connection.
    asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
    auto closed_port = probe.local_endpoint().port();
    probe.close();
    auto refused = send_now(io, *client, get("http://localhost:" + std::to_string(closed_port) + "/"));
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error() == asio::error::connection_refused);
}

TEST_CASE("keep-alive: sequential requests reuse one connection")
{
    asio::io_context io;
    http_server server(io.get_executor(), {}, [](http_server_request& req) -> asio::awaitable<http_server_reply> {
        co_return text_reply("echo " + req.target);
    });
    REQUIRE(server.start().has_value());
    auto client = make_http_client(io.get_executor());
    for (int i = 0; i < 10; ++i) {
        auto r = send_now(io, *client, get(base_url(server) + "/n/" + std::to_string(i)));
        REQUIRE(r.has_value());
        CHECK(r->body == "echo /n/" + std::to_string(i));
    }
    CHECK(client->stats().requests == 10);
    CHECK(client->stats().connections_opened == 1);
    CHECK(server.requests_served() == 10);
}

TEST_CASE("keep-alive: Connection: close from the server means a new connection next time")
{
    asio::io_context io;
    // This peer announces the close but keeps the connection open: only the header can stop reuse.
    test::http_raw_server raw(io.get_executor(), "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbye",
                              false);
    auto client = make_http_client(io.get_executor());
    for (int i = 0; i < 3; ++i)
        REQUIRE(send_now(io, *client, get("http://127.0.0.1:" + std::to_string(raw.port()) + "/")).has_value());
    CHECK(client->stats().connections_opened == 3);
    CHECK(raw.connections_accepted() == 3);
}

TEST_CASE("keep-alive: a request with Connection: close is not pooled")
{
    asio::io_context io;
    test::http_raw_server raw(io.get_executor(), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false);
    auto client = make_http_client(io.get_executor());
    auto req = get("http://127.0.0.1:" + std::to_string(raw.port()) + "/");
    req.headers.add("Connection", "keep-alive, close");
    REQUIRE(send_now(io, *client, req).has_value());
    REQUIRE(send_now(io, *client, req).has_value());
    CHECK(raw.connections_accepted() == 2);
}

TEST_CASE("keep-alive: a connection the server closed while idle is replaced transparently")
{
    asio::io_context io;
    test::http_raw_server raw(io.get_executor(), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true);
    auto client = make_http_client(io.get_executor());
    auto url = "http://127.0.0.1:" + std::to_string(raw.port()) + "/";

    REQUIRE(send_now(io, *client, get(url)).has_value());
    REQUIRE(run_until(io, [&] { return raw.connections_closed() == 1; }));
    auto second = send_now(io, *client, get(url));
    REQUIRE(second.has_value());
    CHECK(second->body == "ok");
    CHECK(client->stats().connections_opened == 2);
    CHECK(raw.requests_answered() == 2);
}

TEST_CASE("keep-alive: a reused connection dropped before the response is retried once on a fresh one")
{
    asio::io_context io;
    int calls = 0;
    int reset_from = 2;
    http_server server(io.get_executor(), {}, [&](http_server_request&) -> asio::awaitable<http_server_reply> {
        ++calls;
        auto reply = text_reply("call " + std::to_string(calls));
        if (calls == reset_from || (reset_from < 0 && calls > 1))
            reply.fault = reply_fault::reset_before_reply;
        co_return reply;
    });
    REQUIRE(server.start().has_value());
    auto client = make_http_client(io.get_executor());
    auto url = base_url(server) + "/";

    REQUIRE(send_now(io, *client, get(url)).has_value());
    auto second = send_now(io, *client, get(url));
    REQUIRE(second.has_value());
    CHECK(second->body == "call 3");
    CHECK(client->stats().connections_opened == 2);

    SUBCASE("only once: a fresh connection that fails is an error")
    {
        reset_from = -1; // every call from now on
        auto third = send_now(io, *client, get(url));
        CHECK_FALSE(third.has_value());
        CHECK(calls == 5); // the reused attempt and one retry
        CHECK(client->stats().connections_opened == 3);
    }
}

TEST_CASE("concurrent sends each get their own connection - the pool keeps max_idle_per_host")
{
    asio::io_context io;
    asio::steady_timer gate(io, asio::steady_timer::time_point::max());
    int arrived = 0;
    http_server server(io.get_executor(), {}, [&](http_server_request&) -> asio::awaitable<http_server_reply> {
        // Nobody is answered before all four requests are in: they must be on four connections.
        if (++arrived < 4)
            co_await gate.async_wait(asio::as_tuple(asio::use_awaitable));
        else
            gate.cancel();
        co_return text_reply("ok");
    });
    REQUIRE(server.start().has_value());
    http_client_settings settings;
    settings.max_idle_per_host = 3;
    auto client = make_http_client(io.get_executor(), settings);

    auto round = [&] {
        arrived = 0;
        gate.expires_at(asio::steady_timer::time_point::max());
        std::vector<std::shared_ptr<test::task_slot<boost::system::result<http_response>>>> tasks;
        for (int i = 0; i < 4; ++i)
            tasks.push_back(spawn_task(io, client->send(get(base_url(server) + "/"))));
        REQUIRE(run_until(io, [&] {
            return std::all_of(tasks.begin(), tasks.end(), [](auto& t) { return t->finished; });
        }));
        for (auto& t : tasks)
            CHECK(t->take().has_value());
    };
    round();
    CHECK(client->stats().connections_opened == 4);
    round(); // three pooled connections are reused, one is new
    CHECK(client->stats().connections_opened == 5);
    CHECK(server.requests_served() == 8);
}

TEST_CASE("idle_timeout 0 disables reuse")
{
    asio::io_context io;
    http_server server(io.get_executor(), {}, [](http_server_request&) -> asio::awaitable<http_server_reply> {
        co_return text_reply("ok");
    });
    REQUIRE(server.start().has_value());
    http_client_settings settings;
    settings.idle_timeout = 0ms;
    auto client = make_http_client(io.get_executor(), settings);
    REQUIRE(send_now(io, *client, get(base_url(server) + "/")).has_value());
    REQUIRE(send_now(io, *client, get(base_url(server) + "/")).has_value());
    CHECK(client->stats().connections_opened == 2);
}

TEST_CASE("the request timeout covers a stalled handler")
{
    asio::io_context io;
    http_server server(io.get_executor(), {}, [](http_server_request&) -> asio::awaitable<http_server_reply> {
        asio::steady_timer stall(co_await asio::this_coro::executor, 10s);
        co_await stall.async_wait(asio::use_awaitable);
        co_return text_reply("too late");
    });
    REQUIRE(server.start().has_value());
    auto client = make_http_client(io.get_executor());

    auto started = steady::now();
    auto r = send_now(io, *client, get(base_url(server) + "/slow", 200ms));
    auto elapsed = steady::now() - started;
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == http_client_errc::timeout);
    CHECK(elapsed >= 190ms);
    CHECK(elapsed < 1s);
}

TEST_CASE("the connect timeout applies when the listener never completes the handshake")
{
    asio::io_context io;
    // A listener with a backlog of 0 whose queue is filled and never accepted: further SYNs are
    // dropped, so a connect hangs.
    asio::ip::tcp::acceptor full(io, {asio::ip::make_address("127.0.0.1"), 0});
    full.listen(0);
    auto endpoint = full.local_endpoint();
    std::vector<asio::ip::tcp::socket> fillers;
    for (int i = 0; i < 4; ++i) {
        fillers.emplace_back(io);
        fillers.back().async_connect(endpoint, [](boost::system::error_code) {});
    }
    http_client_settings settings;
    settings.connect_timeout = 150ms;
    auto client = make_http_client(io.get_executor(), settings);

    auto started = steady::now();
    auto r = send_now(io, *client, get("http://127.0.0.1:" + std::to_string(endpoint.port()) + "/", 5s));
    auto elapsed = steady::now() - started;
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == http_client_errc::timeout);
    CHECK(elapsed < 1s);
    for (auto& s : fillers)
        s.close();
}

TEST_CASE("responses over max_response_bytes are refused")
{
    asio::io_context io;
    std::string body;
    std::string big_header;
    http_server server(io.get_executor(), {}, [&](http_server_request&) -> asio::awaitable<http_server_reply> {
        auto reply = text_reply(body);
        if (!big_header.empty())
            reply.response.headers.add("X-Big", big_header);
        co_return reply;
    });
    REQUIRE(server.start().has_value());
    http_client_settings settings;
    settings.max_response_bytes = 1000;
    auto client = make_http_client(io.get_executor(), settings);
    auto url = base_url(server) + "/";

    body = std::string(800, 'a'); // header (~90 bytes) + body fit
    auto fits = send_now(io, *client, get(url));
    REQUIRE(fits.has_value());
    CHECK(fits->body.size() == 800);

    body = std::string(1000, 'b'); // the body alone fits, header + body does not
    auto over = send_now(io, *client, get(url));
    REQUIRE_FALSE(over.has_value());
    CHECK(over.error() == http_client_errc::response_too_large);

    body = "small";
    big_header = std::string(2000, 'h');
    auto header_over = send_now(io, *client, get(url));
    REQUIRE_FALSE(header_over.has_value());
    CHECK(header_over.error() == http_client_errc::response_too_large);
}

TEST_CASE("HEAD responses have no body whatever their Content-Length")
{
    asio::io_context io;
    http_server server(io.get_executor(), {}, [](http_server_request&) -> asio::awaitable<http_server_reply> {
        co_return text_reply(std::string(2000, 'x'));
    });
    REQUIRE(server.start().has_value());
    http_client_settings settings;
    settings.max_response_bytes = 500;
    auto client = make_http_client(io.get_executor(), settings);
    for (int i = 0; i < 2; ++i) {
        auto req = get(base_url(server) + "/");
        req.method = "HEAD";
        auto r = send_now(io, *client, req);
        REQUIRE(r.has_value());
        CHECK(r->headers.get("Content-Length") == "2000");
        CHECK(r->body.empty());
    }
    CHECK(client->stats().connections_opened == 1);
}

TEST_CASE("chunked responses are decoded and capped")
{
    asio::io_context io;
    std::string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    test::http_raw_server raw(io.get_executor(), chunked, false);
    auto url = "http://127.0.0.1:" + std::to_string(raw.port()) + "/";

    auto client = make_http_client(io.get_executor());
    auto r = send_now(io, *client, get(url));
    REQUIRE(r.has_value());
    CHECK(r->body == "hello world");
    REQUIRE(send_now(io, *client, get(url)).has_value());
    CHECK(client->stats().connections_opened == 1);

    std::string many_chunks = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 100; ++i)
        many_chunks += "10\r\n0123456789abcdef\r\n";
    many_chunks += "0\r\n\r\n";
    test::http_raw_server big(io.get_executor(), many_chunks, false);
    http_client_settings settings;
    settings.max_response_bytes = 1000;
    auto capped = make_http_client(io.get_executor(), settings);
    auto over = send_now(io, *capped, get("http://127.0.0.1:" + std::to_string(big.port()) + "/"));
    REQUIRE_FALSE(over.has_value());
    CHECK(over.error() == http_client_errc::response_too_large);
}

TEST_CASE("a connection reset in the middle of the body is an error")
{
    asio::io_context io;
    // Announces 100 bytes, sends 10, closes.
    test::http_raw_server raw(io.get_executor(), "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", true);
    auto client = make_http_client(io.get_executor());
    auto r = send_now(io, *client, get("http://127.0.0.1:" + std::to_string(raw.port()) + "/"));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() != http_client_errc::timeout);
}

TEST_CASE("TLS: peer and host-name verification")
{
    asio::io_context io;
    test::test_certificate cert("DNS:localhost,IP:127.0.0.1");
    test::tls_test_server server(io.get_executor(), cert, "secret");
    auto port = std::to_string(server.port());

    SUBCASE("an untrusted self-signed certificate fails verification")
    {
        auto client = make_http_client(io.get_executor());
        auto r = send_now(io, *client, get("https://127.0.0.1:" + port + "/"));
        REQUIRE_FALSE(r.has_value());
        CHECK(is_ssl_verify_failure(r.error()));
        CHECK(server.requests_served() == 0);
    }

    SUBCASE("trusted through extra_ca_file, by IP and by name (SNI), with keep-alive")
    {
        http_client_settings settings;
        settings.extra_ca_file = cert.cert_file();
        auto client = make_http_client(io.get_executor(), settings);
        auto by_ip = send_now(io, *client, get("https://127.0.0.1:" + port + "/a"));
        REQUIRE(by_ip.has_value());
        CHECK(by_ip->body == "secret");
        REQUIRE(send_now(io, *client, get("https://127.0.0.1:" + port + "/b")).has_value());
        CHECK(client->stats().connections_opened == 1);
        auto by_name = send_now(io, *client, get("https://localhost:" + port + "/c"));
        REQUIRE(by_name.has_value());
        CHECK(by_name->body == "secret");
        CHECK(client->stats().connections_opened == 2);
    }

    SUBCASE("a missing CA file is a configuration error")
    {
        http_client_settings settings;
        settings.extra_ca_file = "/nonexistent/ca.pem";
        CHECK_THROWS_AS(make_http_client(io.get_executor(), settings), std::runtime_error);
    }
}

TEST_CASE("TLS: a trusted certificate for another host name is rejected")
{
    asio::io_context io;
    test::test_certificate cert("DNS:other.example");
    test::tls_test_server server(io.get_executor(), cert, "secret");
    http_client_settings settings;
    settings.extra_ca_file = cert.cert_file();
    auto client = make_http_client(io.get_executor(), settings);
    auto port = std::to_string(server.port());

    for (const auto& host : {"127.0.0.1", "localhost"}) {
        CAPTURE(host);
        auto r = send_now(io, *client, get(std::string("https://") + host + ":" + port + "/"));
        REQUIRE_FALSE(r.has_value());
        CHECK(is_ssl_verify_failure(r.error()));
    }
    CHECK(server.requests_served() == 0);
}
