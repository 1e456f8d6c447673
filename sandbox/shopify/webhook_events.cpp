// The emulator's side of webhooks: customer changes (through GraphQL or the control API) become
// customers/create, customers/update and customers/delete events for the subscriptions of those
// topics, handed to webhook_delivery; plus the knobs that are members of the emulator.

#include "sandbox/shopify/emulator.hpp"
#include "sandbox/shopify/emulator_state.hpp"
#include "sandbox/shopify/webhook_payloads.hpp"

#include <boost/json/serialize.hpp>

#include <set>

namespace crmsync::sandbox::shopify {
namespace json = boost::json;

std::vector<delivery_spec> emulator::state::deliveries_for(const std::string& topic, const json::object& payload)
{
    std::vector<delivery_spec> out;
    for (const auto& [id, sub] : webhooks.all()) {
        // Cloud destinations are not reachable from the sandbox; XML bodies are not emulated.
        if (sub.topic != topic || !sub.is_http() || sub.format != "JSON")
            continue;
        if (sub.filter && !webhook_filter_matches(*sub.filter, payload))
            continue;
        delivery_spec d;
        d.topic = webhook_topic_string(topic);
        d.uri = sub.uri;
        d.body = json::serialize(include_fields(payload, sub.include_fields));
        d.name = sub.name;
        out.push_back(std::move(d));
    }
    return out;
}

void emulator::state::publish_changes()
{
    std::vector<customer_change> changes = store.take_changes();
    if (changes.empty() || webhooks.all().empty())
        return;
    // One event per customer and kind in an operation: an update right after the create (or a
    // second update) of the same customer is folded into the first event, which carries the
    // customer as it is once the operation is done.
    std::set<std::uint64_t> announced;
    for (auto& ch : changes) {
        if (ch.k == customer_change::kind::deleted) {
            announced.erase(ch.id);
            delivery.enqueue_event(deliveries_for("CUSTOMERS_DELETE", customer_delete_payload(*ch.gone)));
            continue;
        }
        if (!announced.insert(ch.id).second)
            continue;
        const customer* c = store.find(ch.id);
        if (!c)
            continue; // deleted later in the same operation
        const char* topic = ch.k == customer_change::kind::created ? "CUSTOMERS_CREATE" : "CUSTOMERS_UPDATE";
        delivery.enqueue_event(deliveries_for(topic, customer_payload(*c, options.shop_utc_offset_minutes)));
    }
}

void emulator::start_delivery(boost::asio::any_io_executor ex) { delivery_.start(std::move(ex)); }

void emulator::stop_delivery() { delivery_.stop(); }

std::string emulator::send_test_webhook(const std::string& topic, std::string body, const std::string& uri, bool forge_hmac)
{
    std::vector<delivery_spec> specs;
    if (!uri.empty()) {
        specs.push_back(delivery_spec{topic, uri, std::move(body), std::nullopt, forge_hmac});
    } else {
        std::lock_guard lock(state_->mu);
        for (const auto& [id, sub] : state_->webhooks.all())
            if (sub.is_http() && webhook_topic_string(sub.topic) == topic)
                specs.push_back(delivery_spec{topic, sub.uri, body, sub.name, forge_hmac});
    }
    return delivery_.enqueue_event(std::move(specs));
}

std::vector<json::value> emulator::webhook_subscriptions()
{
    std::lock_guard lock(state_->mu);
    std::vector<json::value> out;
    for (const auto& [id, sub] : state_->webhooks.all())
        out.push_back(webhook_registry::to_json(sub, options_.webhooks));
    return out;
}

void emulator::set_base_url(std::string url)
{
    std::lock_guard lock(state_->mu);
    state_->base_url = std::move(url);
}

void emulator::set_token_lifetime(std::chrono::seconds lifetime)
{
    std::lock_guard lock(state_->mu);
    options_.token_lifetime = lifetime;
}

void emulator::set_deprecated_reason(std::optional<std::string> reason)
{
    std::lock_guard lock(state_->mu);
    options_.deprecated_reason = std::move(reason);
}

void emulator::set_bulk_settings(const bulk_settings& s)
{
    std::lock_guard lock(state_->mu);
    options_.bulk = s;
}

http_server_reply emulator::handle_bulk_file(std::string_view path)
{
    std::string_view name = path.substr(std::string_view("/_bulk/").size());
    std::optional<std::string> text;
    if (name.ends_with(".jsonl")) {
        std::string digits(name.substr(0, name.size() - 6));
        if (!digits.empty() && digits.size() < 20 && digits.find_first_not_of("0123456789") == std::string::npos) {
            std::lock_guard lock(state_->mu);
            text = state_->bulk.file(std::stoull(digits), clock_.wall_now(), options_.bulk);
        }
    }
    http_server_reply r;
    if (!text) {
        // What an expired or unknown signed storage URL answers.
        r.response.status = 403;
        r.response.headers.set("Content-Type", "application/xml; charset=UTF-8");
        r.response.body = "<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code>"
                          "<Message>Access denied.</Message></Error>";
        return r;
    }
    r.response.status = 200;
    r.response.headers.set("Content-Type", "application/jsonl");
    r.response.body = std::move(*text);
    return r;
}

} // namespace crmsync::sandbox::shopify
