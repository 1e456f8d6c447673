#include "tests/fakes/http_fetch.hpp"

#include "core/http_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

namespace crmsync::test {

std::optional<http_response> http_fetch(http_request req)
{
    // One client per thread: a client loads the system CA store, which costs milliseconds, and tests poll.
    // No connection reuse, so that a restarted daemon on the same port is never met on a stale connection.
    thread_local boost::asio::io_context ioc;
    thread_local auto client = [] {
        http_client_settings s;
        s.max_idle_per_host = 0;
        return make_http_client(ioc.get_executor(), s);
    }();
    std::optional<http_response> out;
    boost::asio::co_spawn(ioc, client->send(std::move(req)),
                          [&](std::exception_ptr e, boost::system::result<http_response> r) {
                              if (!e && r)
                                  out = std::move(*r);
                          });
    ioc.restart();
    ioc.run();
    return out;
}

std::optional<boost::json::value> get_json(const std::string& url, const std::string& bearer)
{
    http_request req;
    req.url = url;
    req.timeout = std::chrono::seconds{5};
    if (!bearer.empty())
        req.headers.add("Authorization", "Bearer " + bearer);
    auto r = http_fetch(std::move(req));
    if (!r || r->status != 200)
        return std::nullopt;
    boost::system::error_code ec;
    auto v = boost::json::parse(r->body, ec);
    if (ec)
        return std::nullopt;
    return v;
}

} // namespace crmsync::test
