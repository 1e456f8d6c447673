#include "daemon/http_api.hpp"

#include "daemon/dashboard.hpp"

#include <boost/json.hpp>
#include <openssl/crypto.h>

namespace crmsync {

namespace json = boost::json;

bool secure_equals(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {

http_server_reply reply(int status, std::string content_type, std::string body)
{
    http_server_reply r;
    r.response.status = status;
    r.response.headers.add("Content-Type", std::move(content_type));
    r.response.headers.add("Cache-Control", "no-store");
    r.response.body = std::move(body);
    return r;
}

http_server_reply json_reply(int status, const json::value& v)
{
    return reply(status, "application/json", json::serialize(v) + "\n");
}

bool authorized(const http_server_request& req, const std::string& token)
{
    if (token.empty())
        return true;
    auto h = req.headers.get("Authorization");
    return h && h->starts_with("Bearer ") && secure_equals(h->substr(7), token);
}

} // namespace

http_handler make_http_api(const daemon_facts& facts, const clock& clk, http_api_options opts)
{
    return [&facts, &clk, opts = std::move(opts)](http_server_request& req) -> boost::asio::awaitable<http_server_reply> {
        std::string_view path = req.target;
        path = path.substr(0, path.find('?'));
        for (const auto& route : opts.webhooks) {
            if (path != route.path)
                continue;
            if (req.method != "POST")
                co_return json_reply(405, json::object{{"error", "webhooks are POSTed"}});
            co_return route.handle(req);
        }
        if (req.method != "GET" && req.method != "HEAD")
            co_return json_reply(405, json::object{{"error", "method not allowed"}});
        if (path == "/healthz")
            co_return reply(200, "text/plain", "ok\n");
        if (path == "/readyz") {
            auto r = check_readiness(facts, clk);
            if (r.ready)
                co_return reply(200, "text/plain", "ready\n");
            co_return reply(503, "text/plain", "not ready: " + r.reason + "\n");
        }
        if (path == "/status")
            co_return json_reply(200, status_json(facts, clk, authorized(req, opts.token)));
        if (path == "/metrics")
            co_return reply(200, "text/plain; version=0.0.4; charset=utf-8", metrics_text(facts, clk));
        if (path == "/" || path == "/index.html")
            co_return reply(200, "text/html; charset=utf-8", std::string(dashboard_html()));
        co_return json_reply(404, json::object{{"error", "not found"}});
    };
}

} // namespace crmsync
