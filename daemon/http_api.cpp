#include "daemon/http_api.hpp"

#include "daemon/dashboard.hpp"

#include <boost/json.hpp>
#include <openssl/crypto.h>

#include <charconv>
#include <optional>

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

std::string_view query_param(std::string_view target, std::string_view name)
{
    auto q = target.find('?');
    if (q == std::string_view::npos)
        return {};
    for (auto rest = target.substr(q + 1); !rest.empty();) {
        auto amp = rest.find('&');
        auto pair = rest.substr(0, amp);
        if (auto eq = pair.find('='); eq != std::string_view::npos && pair.substr(0, eq) == name)
            return pair.substr(eq + 1);
        if (pair == name)
            return "1";
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    }
    return {};
}

json::object conflict_json(const conflict_row& c)
{
    json::object o{{"id", c.id},           {"link", c.link_id},           {"field", c.field},
                   {"shopify", c.shopify_value}, {"crm", c.crm_value}, {"reason", c.reason},
                   {"at", c.created_at_ms}};
    o["winner"] = c.winner.empty() ? json::value(nullptr) : json::value(c.winner);
    o["resolved_at"] = c.resolved_at_ms ? json::value(*c.resolved_at_ms) : json::value(nullptr);
    return o;
}

json::object dead_letter_json(const dead_letter_row& d)
{
    json::object fields;
    for (const auto& [k, v] : d.fields)
        fields[k] = v;
    return {{"id", d.id},
            {"link", d.link_id},
            {"target", to_string(d.target)},
            {"kind", to_string(d.kind)},
            {"fields", std::move(fields)},
            {"error", d.error},
            {"attempts", d.attempts},
            {"at", d.created_at_ms}};
}

std::optional<std::int64_t> to_id(std::string_view s)
{
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || v <= 0)
        return std::nullopt;
    return v;
}

// The admin endpoints; nullopt when `path` is none of them.
std::optional<http_server_reply> admin(const daemon_facts& facts, const http_server_request& req, std::string_view path)
{
    const bool conflicts = path == "/conflicts" || path.starts_with("/conflicts/");
    const bool dead = path == "/dead-letters" || path.starts_with("/dead-letters/");
    if (!conflicts && !dead && path != "/resync" && path != "/audit")
        return std::nullopt;
    if (!facts.eng || !facts.store)
        return json_reply(503, json::object{{"error", "not ready: the engine is not running yet"}});
    if (path == "/audit") {
        if (req.method != "GET" && req.method != "HEAD")
            return json_reply(405, json::object{{"error", "GET /audit?link=ID|shopify=ID|crm=ID"}});
        std::optional<link_row> link;
        if (auto l = to_id(query_param(req.target, "link")))
            link = facts.store->link(*l);
        else if (auto s = query_param(req.target, "shopify"); !s.empty())
            link = facts.store->link_by_remote(side::shopify, s);
        else if (auto c = query_param(req.target, "crm"); !c.empty())
            link = facts.store->link_by_remote(side::crm, c);
        else
            return json_reply(400, json::object{{"error", "link=ID, shopify=ID or crm=ID is required"}});
        if (!link)
            return json_reply(404, json::object{{"error", "nobody known by that id"}});
        json::array entries;
        for (const auto& a : facts.store->audit_of(link->id, state_store::audit_per_link))
            entries.push_back(json::object{{"at", a.at_ms}, {"entry", a.entry}});
        return json_reply(200, json::object{{"link", link->id},
                                            {"shopify_id", link->shopify_id},
                                            {"crm_id", link->crm_id},
                                            {"entries", std::move(entries)}});
    }
    if (path == "/resync") {
        if (req.method != "POST")
            return json_reply(405, json::object{{"error", "POST /resync[?side=shopify|crm][&full=1]"}});
        const auto s = query_param(req.target, "side");
        if (!s.empty() && s != "shopify" && s != "crm")
            return json_reply(400, json::object{{"error", "side must be shopify or crm"}});
        const bool full = query_param(req.target, "full") == "1";
        facts.eng->resync(s.empty() ? std::nullopt : std::optional<side>(s == "shopify" ? side::shopify : side::crm),
                          full);
        return json_reply(200, json::object{{"resync", s.empty() ? "both" : s}, {"full", full}});
    }
    auto rest = path.substr(conflicts ? 10 : 13); // "" or "/ID[/action]"
    std::optional<std::int64_t> id;
    std::string_view action;
    if (!rest.empty()) {
        rest.remove_prefix(1);
        auto slash = rest.find('/');
        id = to_id(rest.substr(0, slash));
        if (!id)
            return json_reply(404, json::object{{"error", "not found"}});
        if (slash != std::string_view::npos)
            action = rest.substr(slash + 1);
    }
    const bool get = req.method == "GET" || req.method == "HEAD";
    if (conflicts) {
        if (!id && get) {
            json::array arr;
            for (const auto& c : facts.store->conflicts(query_param(req.target, "all") != "1", 1000))
                arr.push_back(conflict_json(c));
            return json_reply(200, json::object{{"conflicts", std::move(arr)}});
        }
        if (id && action.empty() && get) {
            auto c = facts.store->conflict(*id);
            if (!c)
                return json_reply(404, json::object{{"error", "no conflict " + std::to_string(*id)}});
            return json_reply(200, conflict_json(*c));
        }
        if (id && action == "resolve" && req.method == "POST") {
            const auto take = query_param(req.target, "take");
            if (take != "shopify" && take != "crm")
                return json_reply(400, json::object{{"error", "take=shopify or take=crm is required"}});
            auto r = facts.eng->resolve_conflict(*id, take == "shopify" ? side::shopify : side::crm);
            if (!r)
                return json_reply(409, json::object{{"error", r.error().message}});
            return json_reply(200, json::object{{"resolved", *id}, {"take", take}});
        }
    } else {
        if (!id && get) {
            json::array arr;
            for (const auto& d : facts.store->dead_letters(1000))
                arr.push_back(dead_letter_json(d));
            return json_reply(200, json::object{{"dead_letters", std::move(arr)}});
        }
        if (id && action == "retry" && req.method == "POST") {
            auto r = facts.eng->retry_dead_letter(*id);
            if (!r)
                return json_reply(404, json::object{{"error", r.error().message}});
            return json_reply(200, json::object{{"retried", *id}});
        }
    }
    return json_reply(405, json::object{{"error", "method not allowed"}});
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
        if (path.starts_with("/conflicts") || path.starts_with("/dead-letters") || path == "/resync" ||
            path == "/audit") {
            // They show personal data and change what is synced: never without a token, whoever asks (a
            // reverse proxy for webhooks makes every client look local).
            if (opts.token.empty())
                co_return json_reply(403, json::object{{"error", "admin actions need http.token to be set"}});
            if (!authorized(req, opts.token))
                co_return json_reply(401, json::object{{"error", "Authorization: Bearer <http.token> required"}});
            if (auto r = admin(facts, req, path))
                co_return std::move(*r);
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
