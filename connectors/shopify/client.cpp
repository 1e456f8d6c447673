#include "connectors/shopify/client.hpp"

#include "core/metrics.hpp"
#include "core/retry_policy.hpp"
#include "core/url.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace crmsync::shopify {

namespace json = boost::json;

namespace {

using steady = std::chrono::steady_clock;

// "graphql_mutation" for a document whose first operation is a mutation, "graphql_query" otherwise.
std::string_view endpoint_of(std::string_view document)
{
    auto start = document.find_first_not_of(" \t\r\n");
    return start != std::string_view::npos && document.substr(start).starts_with("mutation") ? "graphql_mutation"
                                                                                            : "graphql_query";
}

} // namespace

client::client(const settings& s, http_client& http, const clock& clk, request_gate& gate,
               std::shared_ptr<spdlog::logger> log)
    : settings_(s), http_(http), clock_(clk), gate_(gate), log_(std::move(log))
{
    std::string base = s.base_url.empty() ? "https://" + s.shop : s.base_url;
    while (!base.empty() && base.back() == '/')
        base.pop_back();
    endpoint_ = base + "/admin/api/" + s.api_version + "/graphql.json";
    oauth_url_ = base + "/admin/oauth/access_token";
}

boost::asio::awaitable<outcome<graphql_result>> client::execute(std::string_view document, json::object variables,
                                                                double estimated_cost, priority prio,
                                                                std::string_view what)
{
    if (document_observer_)
        document_observer_(document);
    json::object body;
    body["query"] = document;
    body["variables"] = std::move(variables);
    const std::string payload = json::serialize(body);
    const auto endpoint = endpoint_of(document);
    for (int attempt = 0;; ++attempt) {
        auto token = co_await access_token();
        if (!token)
            co_return token.error();
        co_await gate_.acquire(estimated_cost, prio);
        http_request req;
        req.method = "POST";
        req.url = endpoint_;
        req.headers.add("X-Shopify-Access-Token", *token);
        req.headers.add("Content-Type", "application/json");
        req.headers.add("Accept", "application/json");
        req.body = payload;
        req.timeout = settings_.request_timeout;
        const auto sent = steady::now();
        auto r = co_await http_.send(std::move(req));
        const auto took = steady::now() - sent;
        if (!r) {
            http_.report({side::shopify, endpoint, request_outcome::network, took});
            // Nothing reached Shopify's accounting that we can see; give the reserved points back to the
            // model by observing an empty answer.
            gate_.observe(budget_observation{.requested_cost = estimated_cost});
            co_return transport_failure(r.error(), fmt::format("Shopify {}", what));
        }
        note_headers(*r);
        // An issued token can be revoked or expire early: renew it once, then give up.
        if (r->status == 401 && attempt == 0 && !settings_.client_id.empty()) {
            http_.report({side::shopify, endpoint, request_outcome::client_error, took});
            gate_.observe(budget_observation{.requested_cost = estimated_cost});
            token_.clear();
            continue;
        }
        auto outcome = request_outcome::ok;
        auto result = interpret(*r, what, estimated_cost, outcome);
        http_.report({side::shopify, endpoint, outcome, took});
        co_return result;
    }
}

boost::asio::awaitable<outcome<std::string>> client::access_token()
{
    if (settings_.client_id.empty())
        co_return settings_.access_token;
    // Renew a little before expiry, so that no request goes out with a token about to lapse.
    if (!token_.empty() && clock_.now() + std::chrono::minutes{5} < token_expiry_)
        co_return token_;
    http_request req;
    req.method = "POST";
    req.url = oauth_url_;
    req.timeout = settings_.request_timeout;
    req.headers.add("Content-Type", "application/x-www-form-urlencoded");
    req.headers.add("Accept", "application/json");
    req.body = "grant_type=client_credentials&client_id=" + url_encode(settings_.client_id) +
               "&client_secret=" + url_encode(settings_.client_secret);
    const auto sent = steady::now();
    auto r = co_await http_.send(std::move(req));
    const auto took = steady::now() - sent;
    http_.report({side::shopify, "token", r ? outcome_of_status(r->status) : request_outcome::network, took});
    if (!r)
        co_return transport_failure(r.error(), "Shopify access token");
    boost::system::error_code ec;
    auto v = json::parse(r->body, ec);
    if (r->status == 200 && !ec && v.is_object()) {
        const auto& o = v.as_object();
        auto tok = o.if_contains("access_token");
        if (tok && tok->is_string()) {
            std::int64_t lifetime = 86'399;
            if (auto e = o.if_contains("expires_in"); e && e->is_int64())
                lifetime = e->as_int64();
            token_ = std::string(tok->as_string());
            token_expiry_ = clock_.now() + std::chrono::seconds{lifetime};
            log_->info("Shopify access token issued (valid {} s)", lifetime);
            co_return token_;
        }
    }
    if (r->status == 400 || r->status == 401 || r->status == 403)
        co_return paused(fmt::format("Shopify access token: credentials rejected (HTTP {}): check shopify.client_id "
                                     "and client_secret",
                                     r->status),
                         std::chrono::minutes{5}, r->status);
    co_return classify_response(*r, "Shopify access token", clock_.wall_now());
}

std::string api_version_warning(std::string_view version, wall_time now)
{
    // Each stable version is supported for at least 12 months after its release (the first day of its
    // month); warn in the last 90 days of that.
    int year = 0, month = 0;
    if (version.size() != 7 || std::sscanf(std::string(version).c_str(), "%4d-%2d", &year, &month) != 2)
        return {};
    using namespace std::chrono;
    auto end = sys_days{std::chrono::year{year + 1} / std::chrono::month{static_cast<unsigned>(month)} / 1};
    auto left = duration_cast<days>(end - floor<days>(now));
    if (left.count() > 90)
        return {};
    return fmt::format("the pinned API version {} is supported until about {}-{:02}-01 ({} days); move "
                       "shopify.api_version to a newer one",
                       version, year + 1, month, left.count());
}

void client::note_search_warnings(const json::object& root, std::string_view what)
{
    // A search term Shopify does not support is ignored silently (HTTP 200): say so once per message.
    auto ext = root.if_contains("extensions");
    auto search = ext && ext->is_object() ? ext->as_object().if_contains("search") : nullptr;
    if (!search || !search->is_array())
        return;
    for (const auto& entry : search->as_array()) {
        auto warnings = entry.is_object() ? entry.as_object().if_contains("warnings") : nullptr;
        if (!warnings || !warnings->is_array())
            continue;
        for (const auto& w : warnings->as_array()) {
            if (!w.is_object())
                continue;
            auto text = json::serialize(w);
            if (search_warnings_.insert(text).second)
                log_->warn("Shopify ignored part of the search of {}: {}", what, text);
        }
    }
}

void client::note_headers(const http_response& r)
{
    if (auto v = r.headers.get("X-Shopify-API-Version"); v && *v != served_version_) {
        served_version_ = std::string(*v);
        if (served_version_ != settings_.api_version)
            log_->warn("Shopify served API version {} instead of the pinned {} (the pinned version fell forward); "
                       "update shopify.api_version",
                       served_version_, settings_.api_version);
    }
    if (auto d = r.headers.get("X-Shopify-API-Deprecated-Reason"); d && *d != deprecation_) {
        deprecation_ = std::string(*d);
        log_->warn("Shopify reports deprecated API usage: {}", deprecation_);
    }
}

namespace {

// A cost figure: finite and not negative, else 0 (what an absent one reads as). JSON numbers beyond the
// range of a double parse as infinity, and nothing downstream can pace on that.
double number(const json::value* v)
{
    double d = 0;
    if (!v)
        return 0;
    if (v->is_double())
        d = v->as_double();
    else if (v->is_int64())
        d = static_cast<double>(v->as_int64());
    else if (v->is_uint64())
        d = static_cast<double>(v->as_uint64());
    return std::isfinite(d) && d > 0 ? d : 0;
}

budget_observation read_cost(const json::object& root, bool throttled)
{
    budget_observation o;
    o.throttled = throttled;
    auto ext = root.if_contains("extensions");
    auto cost = ext && ext->is_object() ? ext->as_object().if_contains("cost") : nullptr;
    if (!cost || !cost->is_object())
        return o;
    const auto& c = cost->as_object();
    if (auto v = c.if_contains("requestedQueryCost"); v && !v->is_null())
        o.requested_cost = number(v);
    if (auto v = c.if_contains("actualQueryCost"); v && !v->is_null())
        o.actual_cost = number(v);
    if (auto ts = c.if_contains("throttleStatus"); ts && ts->is_object()) {
        const auto& t = ts->as_object();
        o.bucket_max = number(t.if_contains("maximumAvailable"));
        o.bucket_available = number(t.if_contains("currentlyAvailable"));
        o.restore_rate = number(t.if_contains("restoreRate"));
    }
    return o;
}

std::string error_code_of(const json::value& e)
{
    if (!e.is_object())
        return {};
    auto ext = e.as_object().if_contains("extensions");
    if (!ext || !ext->is_object())
        return {};
    auto code = ext->as_object().if_contains("code");
    return code && code->is_string() ? std::string(code->as_string()) : std::string();
}

std::string message_of(const json::value& e)
{
    if (e.is_object())
        if (auto m = e.as_object().if_contains("message"); m && m->is_string())
            return std::string(m->as_string());
    return json::serialize(e).substr(0, 300);
}

} // namespace

outcome<graphql_result> client::interpret(const http_response& r, std::string_view what, double estimated_cost,
                                         request_outcome& seen)
{
    const auto now = clock_.wall_now();
    const std::string ctx = fmt::format("Shopify {}", what);
    seen = outcome_of_status(r.status);
    if (r.status != 200) {
        budget_observation o;
        o.throttled = r.status == 429;
        o.requested_cost = estimated_cost;
        gate_.observe(o);
        failure f = classify_response(r, ctx, now);
        switch (r.status) {
        case 429:
            gate_.hold_for(std::max(f.retry_after, std::chrono::milliseconds{1000}));
            break;
        case 401:
            return paused(fmt::format("{}: credentials rejected (HTTP 401): check shopify.access_token", ctx),
                          std::chrono::minutes{5}, 401);
        case 402:
            return paused(fmt::format("{}: shop is frozen for unpaid bills (HTTP 402)", ctx), std::chrono::minutes{15}, 402);
        case 403:
            return paused(fmt::format("{}: forbidden (HTTP 403): missing scope or shop marked fraudulent: {}", ctx,
                                      r.body.substr(0, 200)),
                          std::chrono::minutes{15}, 403);
        case 404:
            return paused(fmt::format("{}: not found (HTTP 404): check shopify.shop, base_url and api_version", ctx),
                          std::chrono::minutes{5}, 404);
        case 423:
            return paused(fmt::format("{}: shop is locked (HTTP 423)", ctx), std::chrono::minutes{30}, 423);
        default:
            break;
        }
        return f;
    }
    boost::system::error_code ec;
    auto parsed = json::parse(r.body, ec);
    if (ec || !parsed.is_object()) {
        seen = request_outcome::server_error;
        gate_.observe(budget_observation{.requested_cost = estimated_cost});
        return retryable(fmt::format("{}: malformed JSON response ({})", ctx, ec ? ec.message() : "not an object"));
    }
    auto& root = parsed.as_object();
    auto errors = root.if_contains("errors");
    bool throttled = false;
    std::string first_code, first_message;
    if (errors && errors->is_array() && !errors->as_array().empty()) {
        for (const auto& e : errors->as_array())
            if (error_code_of(e) == "THROTTLED")
                throttled = true;
        first_code = error_code_of(errors->as_array().front());
        first_message = message_of(errors->as_array().front());
    } else if (errors && errors->is_object()) {
        first_message = json::serialize(*errors).substr(0, 300);
    }
    note_search_warnings(root, what);
    auto obs = read_cost(root, throttled);
    // What the gate reserved is released whatever the server reports (MAX_COST_EXCEEDED has no cost block).
    auto release = obs;
    release.requested_cost = estimated_cost;
    gate_.observe(release);
    if (throttled) {
        seen = request_outcome::throttled;
        double wait_s = 1.0;
        if (obs.requested_cost && obs.bucket_available && obs.restore_rate && *obs.restore_rate > 0)
            // At most a minute, longer than any plan's bucket takes to refill: a restore rate near zero
            // must not hold the side for ever (nor overflow the conversion below).
            wait_s = std::clamp((*obs.requested_cost - *obs.bucket_available) / *obs.restore_rate, 0.1, 60.0);
        auto wait = std::chrono::milliseconds{static_cast<std::int64_t>(std::ceil(wait_s * 1000))};
        gate_.hold_for(wait);
        return retryable(fmt::format("{}: throttled by Shopify", ctx), wait, 200);
    }
    if (!first_message.empty()) {
        seen = first_code == "INTERNAL_SERVER_ERROR" ? request_outcome::server_error : request_outcome::client_error;
        if (first_code == "INTERNAL_SERVER_ERROR")
            return retryable(fmt::format("{}: Shopify internal error: {}", ctx, first_message), {}, 200);
        if (first_code == "ACCESS_DENIED")
            return paused(fmt::format("{}: access denied: {} (check the app's scopes and protected customer data access)",
                                      ctx, first_message),
                          std::chrono::minutes{15}, 200);
        if (first_code == "SHOP_INACTIVE")
            return paused(fmt::format("{}: shop is not active: {}", ctx, first_message), std::chrono::minutes{30}, 200);
        return permanent(fmt::format("{}: GraphQL error {}: {}", ctx, first_code.empty() ? "(no code)" : first_code,
                                     first_message),
                         200);
    }
    auto data = root.if_contains("data");
    if (!data || !data->is_object()) {
        seen = request_outcome::server_error;
        return retryable(fmt::format("{}: response without data", ctx));
    }
    return graphql_result{std::move(data->as_object()), obs.requested_cost.value_or(0)};
}

} // namespace crmsync::shopify
