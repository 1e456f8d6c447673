// http_client::download: a 2xx body is streamed to a file; errors keep their (small) body.
#include "core/http_client.hpp"
#include "core/http_server.hpp"
#include "tests/fakes/http_test_loop.hpp"
#include "tests/fakes/temp_dir.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

using namespace crmsync;
using namespace std::chrono_literals;

TEST_CASE("a large body goes to the file in pieces - an error answer does not")
{
    boost::asio::io_context io;
    std::string big;
    for (int i = 0; big.size() < 5'000'000; ++i)
        big += "{\"id\":\"gid://shopify/Customer/" + std::to_string(i) + "\"}\n";
    http_server server(io.get_executor(), {}, [&](http_server_request& req) -> boost::asio::awaitable<http_server_reply> {
        http_server_reply r;
        r.response.status = req.target == "/missing" ? 404 : 200;
        r.response.body = req.target == "/missing" ? "{\"error\":\"no such file\"}" : big;
        co_return r;
    });
    REQUIRE(server.start().has_value());
    auto client = make_http_client(io.get_executor());
    test::temp_dir dir;
    http_request req;
    req.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/export.jsonl";
    req.timeout = 10s;
    auto r = test::run_task(io, client->download(req, dir.file("a.jsonl"), 100'000'000), 20s);
    REQUIRE(r);
    REQUIRE(r->has_value());
    CHECK((*r)->status == 200);
    CHECK((*r)->body.empty());
    std::ifstream in(dir.file("a.jsonl"), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    CHECK(ss.str() == big);

    req.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/missing";
    auto missing = test::run_task(io, client->download(req, dir.file("b.jsonl"), 100'000'000), 20s);
    REQUIRE(missing);
    REQUIRE(missing->has_value());
    CHECK((*missing)->status == 404);
    CHECK((*missing)->body == "{\"error\":\"no such file\"}");

    req.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/export.jsonl";
    auto capped = test::run_task(io, client->download(req, dir.file("c.jsonl"), 1'000'000), 20s);
    REQUIRE(capped);
    CHECK_FALSE(capped->has_value());
    CHECK(capped->error() == make_error_code(http_client_errc::response_too_large));
    server.stop();
}
