#include "sandbox/hubspot/emulator.hpp"

#include "sandbox/hubspot/api.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>

#include <algorithm>
#include <mutex>

namespace crmsync::sandbox::hubspot {
namespace {

reply rate_limit_reply(state& st, limit_policy p)
{
    boost::json::object o{{"status", "error"}};
    if (p == limit_policy::secondly) {
        // Search 429s carry no policyName (notes §4.3).
        o["message"] = "You have reached your secondly limit.";
        o["errorType"] = "RATE_LIMIT";
        o["correlationId"] = st.uuids.next();
        return json_reply(429, o);
    }
    const bool daily = p == limit_policy::daily;
    o["message"] = daily ? "You have reached your daily limit." : "You have reached your ten_secondly_rolling limit.";
    o["errorType"] = "RATE_LIMIT";
    o["correlationId"] = st.uuids.next();
    o["policyName"] = std::string(policy_name(p));
    o["requestId"] = st.uuids.next();
    return json_reply(429, o);
}

void add_limit_headers(reply& r, const limit_decision& d)
{
    r.headers.emplace_back("X-HubSpot-RateLimit-Daily", std::to_string(d.daily_max));
    r.headers.emplace_back("X-HubSpot-RateLimit-Daily-Remaining", std::to_string(std::max<std::int64_t>(0, d.daily_remaining)));
    r.headers.emplace_back("X-HubSpot-RateLimit-Interval-Milliseconds", std::to_string(d.window.count()));
    r.headers.emplace_back("X-HubSpot-RateLimit-Max", std::to_string(d.window_max));
    r.headers.emplace_back("X-HubSpot-RateLimit-Remaining", std::to_string(std::max(0, d.window_remaining)));
}

// The edge's answer for injected 502/503/504: HTML, not HubSpot JSON, as gateways send.
reply gateway_reply(int status)
{
    const char* text = status == 502 ? "Bad Gateway" : status == 503 ? "Service Unavailable" : "Gateway Timeout";
    reply r;
    r.status = status;
    r.body = "<html><head><title>" + std::to_string(status) + " " + text + "</title></head><body><center><h1>" +
             std::to_string(status) + " " + text + "</h1></center></body></html>";
    r.headers.emplace_back("Content-Type", "text/html");
    return r;
}

std::optional<std::string> bearer_token(const http_headers& h)
{
    const auto v = h.get("Authorization");
    if (!v || v->size() < 7 || !iequals(v->substr(0, 7), "Bearer "))
        return std::nullopt;
    return trim(v->substr(7));
}

http_server_reply to_server_reply(reply r)
{
    http_server_reply out;
    out.response.status = r.status;
    out.response.body = std::move(r.body);
    for (auto& [k, v] : r.headers)
        out.response.headers.add(std::move(k), std::move(v));
    return out;
}

} // namespace

state::state(const crmsync::clock& clk, const options& o)
    : clock(clk), opts(o), registry(to_unix_ms(clk.wall_now())), store(registry, o.first_id), limiter(clk, o.limits),
      uuids(o.seed)
{
    store.set_index_lag(o.index_lag.count());
}

std::int64_t state::steady_ms() const
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()).count();
}

write_context state::api_ctx() const
{
    return write_context{now_ms(), steady_ms(), change_source::integration, opts.app_id, false};
}

write_context state::person_ctx() const
{
    return write_context{now_ms(), steady_ms(), change_source::crm_ui, "userId:" + opts.user_id, true};
}

reply emulator::impl::process(const route& r, const http_server_request& req, const query_params& query)
{
    if (r.ep == endpoint::not_found)
        return st.error(not_found_error("No endpoint matches " + req.method + " " + req.target));
    if (r.ep == endpoint::method_not_allowed)
        return st.error(api_error{405, "VALIDATION_ERROR", "Method " + req.method + " is not allowed here", {}, {}, {}});
    const auto token = bearer_token(req.headers);
    if (!token || std::find(st.opts.access_tokens.begin(), st.opts.access_tokens.end(), *token) ==
                      st.opts.access_tokens.end()) {
        return st.error(api_error{
            401, "INVALID_AUTHENTICATION",
            token ? "Authentication credentials not found. The access token provided is not valid for this account."
                  : "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can "
                    "find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
            {}, {}, {}});
    }
    if (r.is_search())
        ++st.stats.searches;
    else if (r.is_write())
        ++st.stats.writes;
    else
        ++st.stats.reads;

    const limit_decision d = st.limiter.admit(*token, r.is_search());
    reply out;
    if (d.rejected != limit_policy::none) {
        ++st.stats.throttled[std::string(policy_name(d.rejected))];
        out = rate_limit_reply(st, d.rejected);
    } else if (r.ep == endpoint::bad_object_type) {
        out = st.error(validation_error("Unable to infer object type from: " + r.object_type));
    } else {
        const api_request ar{r, query, req.body};
        switch (r.ep) {
        case endpoint::search:
            out = handle_search(st, ar);
            break;
        case endpoint::batch_read:
        case endpoint::batch_create:
        case endpoint::batch_update:
        case endpoint::batch_upsert:
        case endpoint::batch_archive:
            out = handle_batch_endpoint(st, ar);
            break;
        case endpoint::props_list:
        case endpoint::props_get:
        case endpoint::props_create:
        case endpoint::props_update:
        case endpoint::props_archive:
        case endpoint::groups_list:
        case endpoint::groups_create:
        case endpoint::group_get:
            out = handle_properties_endpoint(st, ar);
            break;
        default:
            out = handle_contact_endpoint(st, ar);
            break;
        }
    }
    if (d.send_headers)
        add_limit_headers(out, d);
    return out;
}

emulator::emulator(const crmsync::clock& clk, options opts) : impl_(std::make_unique<impl>(clk, opts)) {}

emulator::~emulator() = default;

boost::asio::awaitable<http_server_reply> emulator::handle(http_server_request& req)
{
    std::vector<std::string> segments;
    query_params query;
    std::string path;
    split_target(req.target, segments, query, path);
    if (!segments.empty() && segments.front() == "_sandbox")
        co_return to_server_reply(handle_control(*this, req.method, segments, query, req.body));

    const route r = match_route(req.method, segments);
    const auto fault = impl_->faults.pick(path, r.is_write());
    if (fault) {
        std::lock_guard lock(impl_->mu);
        ++impl_->st.stats.faults_injected;
        std::optional<reply> early;
        switch (fault->kind) {
        case fault_kind::http_500:
            early = json_reply(500, boost::json::object{{"status", "error"},
                                                        {"message", "internal error"},
                                                        {"correlationId", impl_->st.uuids.next()}});
            break;
        case fault_kind::http_502:
        case fault_kind::http_503:
        case fault_kind::http_504:
            early = gateway_reply(fault->kind == fault_kind::http_502   ? 502
                                  : fault->kind == fault_kind::http_503 ? 503
                                                                         : 504);
            break;
        case fault_kind::http_429:
        case fault_kind::throttled: { // Shopify's THROTTLED has no HubSpot form; a 429 is the closest

            early = rate_limit_reply(impl_->st, limit_policy::ten_secondly_rolling);
            const auto secs = (fault->retry_after.count() + 999) / 1000;
            early->headers.emplace_back("Retry-After", std::to_string(std::max<std::int64_t>(1, secs)));
            ++impl_->st.stats.throttled["FAULT"];
            break;
        }
        case fault_kind::reset:
            ++impl_->st.stats.requests;
            co_return http_server_reply{{}, reply_fault::reset_before_reply, {}};
        default:
            break;
        }
        if (early) {
            ++impl_->st.stats.requests;
            impl_->count_reply(*early);
            co_return to_server_reply(std::move(*early));
        }
    }
    if (fault && fault->kind == fault_kind::stall) {
        boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
        timer.expires_after(fault->delay);
        co_await timer.async_wait(boost::asio::use_awaitable);
    }

    reply result;
    {
        std::lock_guard lock(impl_->mu);
        ++impl_->st.stats.requests;
        result = impl_->process(r, req, query);
        impl_->count_reply(result);
    }
    http_server_reply out;
    if (fault && fault->kind == fault_kind::malformed_json) {
        if (result.body.empty()) {
            result.status = 200;
            result.body = "{\"status\":";
        } else {
            result.body.resize(result.body.size() / 2);
        }
    }
    out = to_server_reply(std::move(result));
    if (fault && fault->kind == fault_kind::apply_then_fail)
        out.fault = reply_fault::reset_before_reply;
    if (fault && fault->kind == fault_kind::slow_body) {
        out.fault = reply_fault::slow_body;
        out.slow_chunk_delay = fault->delay;
    }
    co_return out;
}

} // namespace crmsync::sandbox::hubspot
