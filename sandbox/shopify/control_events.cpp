// Control API routes for webhooks, bulk operations, issued tokens and API deprecation headers
// (the rest of /_sandbox/ is in control_api.cpp). Bodies are JSON; omitted keys keep their value.

#include "sandbox/shopify/emulator.hpp"
#include "sandbox/shopify/emulator_state.hpp"

#include <boost/json/serialize.hpp>

namespace crmsync::sandbox::shopify {
namespace json = boost::json;
namespace {

http_server_reply reply(int status, const json::value& body)
{
    http_server_reply r;
    r.response.status = status;
    r.response.headers.set("Content-Type", "application/json; charset=utf-8");
    r.response.body = json::serialize(body);
    return r;
}

json::object settings_json(const delivery_settings& s)
{
    return json::object{{"timeScale", s.time_scale},
                        {"timeoutMs", s.timeout.count()},
                        {"backoffBaseMs", s.backoff_base.count()},
                        {"maxAttempts", s.max_attempts},
                        {"duplicateProbability", s.duplicate_probability},
                        {"minDelayMs", s.min_delay.count()},
                        {"maxDelayMs", s.max_delay.count()},
                        {"reorder", s.reorder}};
}

} // namespace

std::optional<http_server_reply> emulator::handle_control_events(const http_server_request& req, std::string_view rest,
                                                                 const json::object& body)
{
    auto num = [&](const char* k, double fallback) {
        const json::value* v = body.if_contains(k);
        return v && v->is_number() ? v->to_number<double>() : fallback;
    };
    auto ms = [&](const char* k, milliseconds fallback) {
        return milliseconds(static_cast<std::int64_t>(num(k, static_cast<double>(fallback.count()))));
    };
    const std::string& m = req.method;

    if (rest == "/webhooks" && m == "GET") {
        json::array subs;
        for (auto& s : webhook_subscriptions())
            subs.push_back(std::move(s));
        return reply(200, json::object{{"subscriptions", std::move(subs)},
                                       {"settings", settings_json(delivery_.settings())},
                                       {"stats", delivery_.stats().to_json()}});
    }
    if (rest == "/webhooks/stats" && m == "GET")
        return reply(200, delivery_.stats().to_json());
    if (rest == "/webhooks/log" && m == "GET") {
        json::array log;
        for (const auto& r : delivery_.recent())
            log.push_back(r.to_json());
        return reply(200, json::object{{"deliveries", std::move(log)}});
    }
    if (rest == "/webhooks/settings" && m == "POST") {
        delivery_settings s = delivery_.settings();
        s.time_scale = num("timeScale", s.time_scale);
        s.timeout = ms("timeoutMs", s.timeout);
        s.backoff_base = ms("backoffBaseMs", s.backoff_base);
        s.max_attempts = static_cast<int>(num("maxAttempts", s.max_attempts));
        s.duplicate_probability = num("duplicateProbability", s.duplicate_probability);
        s.min_delay = ms("minDelayMs", s.min_delay);
        s.max_delay = ms("maxDelayMs", s.max_delay);
        if (const json::value* r = body.if_contains("reorder"); r && r->is_bool())
            s.reorder = r->as_bool();
        delivery_.set_settings(s);
        return reply(200, settings_json(s));
    }
    if (rest == "/webhooks/drop" && m == "POST") {
        delivery_.drop_next(static_cast<std::size_t>(num("count", 1)));
        return reply(200, json::object{{"dropping", num("count", 1)}});
    }
    if ((rest == "/webhooks/pause" || rest == "/webhooks/resume") && m == "POST") {
        bool pause = rest == "/webhooks/pause";
        pause ? delivery_.pause() : delivery_.resume();
        return reply(200, json::object{{"paused", pause}});
    }
    if (rest == "/webhooks/test" && m == "POST") {
        const json::value* topic = body.if_contains("topic");
        if (!topic || !topic->is_string())
            return reply(400, json::object{{"error", "topic is required"}});
        const json::value* b = body.if_contains("body");
        std::string text = !b ? "{}" : b->is_string() ? std::string(b->as_string()) : json::serialize(*b);
        const json::value* uri = body.if_contains("uri");
        const json::value* forge = body.if_contains("forgeHmac");
        std::string event = send_test_webhook(std::string(topic->as_string()), std::move(text),
                                              uri && uri->is_string() ? std::string(uri->as_string()) : "",
                                              forge && forge->is_bool() && forge->as_bool());
        return reply(200, json::object{{"eventId", event}});
    }
    if (rest == "/bulk" && m == "POST") {
        bulk_settings s;
        {
            std::lock_guard lock(state_->mu);
            s = options_.bulk;
        }
        s.objects_per_second = num("objectsPerSecond", s.objects_per_second);
        s.start_delay = ms("startDelayMs", s.start_delay);
        s.cancel_delay = ms("cancelDelayMs", s.cancel_delay);
        s.max_running = static_cast<std::size_t>(num("maxRunning", static_cast<double>(s.max_running)));
        set_bulk_settings(s);
        return reply(200, json::object{{"objectsPerSecond", s.objects_per_second},
                                       {"startDelayMs", s.start_delay.count()},
                                       {"cancelDelayMs", s.cancel_delay.count()},
                                       {"maxRunning", s.max_running}});
    }
    if (rest == "/tokens" && m == "POST") {
        auto secs = static_cast<std::int64_t>(num("lifetimeSeconds", 86'399));
        set_token_lifetime(std::chrono::seconds(secs));
        return reply(200, json::object{{"lifetimeSeconds", secs}});
    }
    if (rest == "/api-deprecation" && m == "POST") {
        const json::value* r = body.if_contains("reason");
        std::optional<std::string> reason;
        if (r && r->is_string())
            reason = std::string(r->as_string());
        set_deprecated_reason(reason);
        return reply(200, json::object{{"reason", reason ? json::value(*reason) : json::value(nullptr)}});
    }
    return std::nullopt;
}

} // namespace crmsync::sandbox::shopify
