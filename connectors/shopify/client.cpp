#include "connectors/shopify/client.hpp"

#include "core/retry_policy.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cmath>

namespace crmsync::shopify {

namespace json = boost::json;

client::client(const settings& s, http_client& http, const clock& clk, request_gate& gate,
               std::shared_ptr<spdlog::logger> log)
    : settings_(s), http_(http), clock_(clk), gate_(gate), log_(std::move(log))
{
    std::string base = s.base_url.empty() ? "https://" + s.shop : s.base_url;
    while (!base.empty() && base.back() == '/')
        base.pop_back();
    endpoint_ = base + "/admin/api/" + s.api_version + "/graphql.json";
}

boost::asio::awaitable<outcome<graphql_result>> client::execute(std::string_view document, json::object variables,
                                                                double estimated_cost, priority prio,
                                                                std::string_view what)
{
    co_await gate_.acquire(estimated_cost, prio);
    http_request req;
    req.method = "POST";
    req.url = endpoint_;
    req.headers.add("X-Shopify-Access-Token", settings_.access_token);
    req.headers.add("Content-Type", "application/json");
    req.headers.add("Accept", "application/json");
    json::object body;
    body["query"] = document;
    body["variables"] = std::move(variables);
    req.body = json::serialize(body);
    auto r = co_await http_.send(std::move(req));
    if (!r) {
        // Nothing reached Shopify's accounting that we can see; give the reserved points back to the
        // model by observing an empty answer.
        gate_.observe(budget_observation{.requested_cost = estimated_cost});
        co_return transport_failure(r.error(), fmt::format("Shopify {}", what));
    }
    note_headers(*r);
    co_return interpret(*r, what, estimated_cost);
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
    if (auto d = r.headers.get("X-Shopify-API-Deprecated-Reason"); d && !warned_deprecated_) {
        warned_deprecated_ = true;
        log_->warn("Shopify reports deprecated API usage: {}", *d);
    }
}

namespace {

double number(const json::value* v)
{
    if (!v)
        return 0;
    if (v->is_double())
        return v->as_double();
    if (v->is_int64())
        return static_cast<double>(v->as_int64());
    if (v->is_uint64())
        return static_cast<double>(v->as_uint64());
    return 0;
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

outcome<graphql_result> client::interpret(const http_response& r, std::string_view what, double estimated_cost)
{
    const auto now = clock_.wall_now();
    const std::string ctx = fmt::format("Shopify {}", what);
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
    auto obs = read_cost(root, throttled);
    // What the gate reserved is released whatever the server reports (MAX_COST_EXCEEDED has no cost block).
    auto release = obs;
    release.requested_cost = estimated_cost;
    gate_.observe(release);
    if (throttled) {
        double wait_s = 1.0;
        if (obs.requested_cost && obs.bucket_available && obs.restore_rate && *obs.restore_rate > 0)
            wait_s = std::max(0.1, (*obs.requested_cost - *obs.bucket_available) / *obs.restore_rate);
        auto wait = std::chrono::milliseconds{static_cast<std::int64_t>(std::ceil(wait_s * 1000))};
        gate_.hold_for(wait);
        return retryable(fmt::format("{}: throttled by Shopify", ctx), wait, 200);
    }
    if (!first_message.empty()) {
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
    if (!data || !data->is_object())
        return retryable(fmt::format("{}: response without data", ctx));
    return graphql_result{std::move(data->as_object()), obs.requested_cost.value_or(0)};
}

} // namespace crmsync::shopify
