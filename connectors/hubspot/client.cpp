#include "connectors/hubspot/client.hpp"

#include "core/metrics.hpp"
#include "core/retry_policy.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace crmsync::hubspot {

namespace json = boost::json;

std::unique_ptr<request_gate> make_window_gate(boost::asio::any_io_executor ex, const clock& clk, tier t,
                                               double max_share)
{
    return std::make_unique<request_gate>(
        std::move(ex), clk,
        std::make_unique<window_budget>(window_limit_for(t), std::chrono::seconds{10}, max_share,
                                        static_cast<double>(daily_limit_for(t))),
        "hubspot");
}

std::unique_ptr<request_gate> make_search_gate(boost::asio::any_io_executor ex, const clock& clk, double max_share)
{
    // Shared with the portal's other apps.
    return std::make_unique<request_gate>(
        std::move(ex), clk, std::make_unique<window_budget>(5, std::chrono::seconds{1}, max_share), "hubspot_search");
}

client::client(const settings& s, http_client& http, const clock& clk, request_gate& window_gate,
               request_gate& search_gate, std::shared_ptr<spdlog::logger> log)
    : settings_(s), http_(http), clock_(clk), window_gate_(window_gate), search_gate_(search_gate), log_(std::move(log))
{
    base_ = s.base_url;
    while (!base_.empty() && base_.back() == '/')
        base_.pop_back();
    if (s.api_version == "v3") {
        objects_path_ = "/crm/v3/objects/contacts";
        properties_path_ = "/crm/v3/properties/contacts";
    } else {
        objects_path_ = "/crm/objects/" + s.api_version + "/contacts";
        properties_path_ = "/crm/properties/" + s.api_version + "/contacts";
    }
}

std::string error_message(const json::value& body)
{
    if (!body.is_object())
        return body.is_null() ? std::string("(empty body)") : json::serialize(body).substr(0, 300);
    const auto& o = body.as_object();
    std::string msg;
    if (auto m = o.if_contains("message"); m && m->is_string())
        msg = std::string(m->as_string());
    if (auto c = o.if_contains("category"); c && c->is_string())
        msg = std::string(c->as_string()) + ": " + msg;
    if (auto errs = o.if_contains("errors"); errs && errs->is_array() && !errs->as_array().empty()) {
        const auto& first = errs->as_array().front();
        if (first.is_object())
            if (auto m = first.as_object().if_contains("message"); m && m->is_string() && msg.find(m->as_string()) == std::string::npos)
                msg += " (" + std::string(m->as_string()) + ")";
    }
    return msg.empty() ? json::serialize(body).substr(0, 300) : msg;
}

namespace {

// A count or a duration: finite and not negative. Anything else ("inf", "nan", garbage) is as good as no
// header; the budget keeps what it knew.
std::optional<double> header_number(const http_response& r, std::string_view name)
{
    auto v = r.headers.get(name);
    if (!v)
        return std::nullopt;
    double d = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), d);
    if (ec != std::errc{} || !std::isfinite(d) || d < 0)
        return std::nullopt;
    return d;
}

budget_observation read_limits(const http_response& r)
{
    budget_observation o;
    o.window_max = header_number(r, "X-HubSpot-RateLimit-Max");
    o.window_remaining = header_number(r, "X-HubSpot-RateLimit-Remaining");
    if (auto ms = header_number(r, "X-HubSpot-RateLimit-Interval-Milliseconds"))
        // Capped at a day, like Retry-After: a larger value is no window HubSpot has, and would not fit
        // the conversion (undefined behaviour past the range of int64).
        o.window_interval = std::chrono::milliseconds{static_cast<std::int64_t>(std::min(*ms, 86'400'000.0))};
    o.daily_max = header_number(r, "X-HubSpot-RateLimit-Daily");
    o.daily_remaining = header_number(r, "X-HubSpot-RateLimit-Daily-Remaining");
    o.throttled = r.status == 429;
    if (o.throttled)
        if (auto after = r.headers.get("Retry-After"))
            o.retry_after = parse_retry_after(*after, std::chrono::system_clock::now());
    return o;
}

std::string string_field(const json::value& v, std::string_view key)
{
    if (v.is_object())
        if (auto f = v.as_object().if_contains(key); f && f->is_string())
            return std::string(f->as_string());
    return {};
}

} // namespace

std::string_view client::metrics_endpoint(std::string_view method, std::string_view path, endpoint_class cls) const
{
    if (cls == endpoint_class::search)
        return "search";
    if (path.find("/batch/read") != std::string_view::npos)
        return "batch_read";
    if (path.find("/batch/") != std::string_view::npos)
        return "batch_write";
    if (path.starts_with(properties_path_))
        return "properties";
    return method == "GET" ? "list" : "write";
}

boost::asio::awaitable<outcome<api_response>> client::call(std::string method, std::string path, std::string body,
                                                           endpoint_class cls, priority prio, std::string_view what)
{
    auto& gate = cls == endpoint_class::search ? search_gate_ : window_gate_;
    const auto endpoint = metrics_endpoint(method, path, cls);
    co_await gate.acquire(1, prio);
    http_request req;
    req.method = std::move(method);
    req.url = base_ + path;
    req.timeout = settings_.request_timeout;
    req.headers.add("Authorization", "Bearer " + settings_.access_token);
    req.headers.add("Accept", "application/json");
    if (!body.empty()) {
        req.headers.add("Content-Type", "application/json");
        req.body = std::move(body);
    }
    const auto sent = std::chrono::steady_clock::now();
    auto r = co_await http_.send(std::move(req));
    http_.report({side::crm, endpoint, r ? outcome_of_status(r->status) : request_outcome::network,
                  std::chrono::steady_clock::now() - sent});
    if (!r)
        co_return transport_failure(r.error(), fmt::format("HubSpot {}", what));
    co_return interpret(*r, gate, what);
}

outcome<api_response> client::interpret(const http_response& r, request_gate& gate, std::string_view what)
{
    const std::string ctx = fmt::format("HubSpot {}", what);
    gate.observe(read_limits(r));
    json::value body;
    if (!r.body.empty()) {
        boost::system::error_code ec;
        body = json::parse(r.body, ec);
        if (ec) {
            if (r.status >= 200 && r.status < 300)
                return retryable(fmt::format("{}: malformed JSON response ({})", ctx, ec.message()), {}, r.status);
            body = json::string(r.body.substr(0, 300));
        }
    }
    if (r.status == 429) {
        auto policy = string_field(body, "policyName");
        auto message = string_field(body, "message");
        auto after = classify_response(r, ctx, clock_.wall_now()).retry_after;
        if (policy == "DAILY") {
            // The daily allowance is shared by every app in the account and resets at midnight in the
            // account's time zone, which the API does not tell us: look again in an hour.
            window_gate_.hold_for(std::chrono::hours{1});
            search_gate_.hold_for(std::chrono::hours{1});
            return paused(fmt::format("{}: daily API limit reached: {}", ctx, message), std::chrono::hours{1}, 429);
        }
        if (after.count() == 0)
            after = message.find("secondly") != std::string::npos ? std::chrono::milliseconds{1000}
                                                                   : std::chrono::milliseconds{10'000};
        gate.hold_for(after);
        return retryable(fmt::format("{}: rate limited ({}): {}", ctx, policy.empty() ? "no policy" : policy, message),
                         after, 429);
    }
    if (r.status == 401)
        return paused(fmt::format("{}: credentials rejected (HTTP 401): {}; check crm.access_token", ctx,
                                  error_message(body)),
                      std::chrono::minutes{5}, 401);
    if (r.status == 403)
        return paused(fmt::format("{}: forbidden (HTTP 403): {}; the token needs crm.objects.contacts.read/write and "
                                  "crm.schemas.contacts.read/write",
                                  ctx, error_message(body)),
                      std::chrono::minutes{15}, 403);
    if (is_retryable_status(r.status))
        return classify_response(r, ctx, clock_.wall_now());
    return api_response{r.status, std::move(body)};
}

} // namespace crmsync::hubspot
