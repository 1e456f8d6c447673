#include "connectors/shopify/webhooks.hpp"

#include "connectors/shopify/mapping.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace crmsync::shopify {

namespace json = boost::json;

std::string webhook_hmac(std::string_view body, std::string_view secret)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(body.data()),
         body.size(), mac, &len);
    std::string out(4 * ((len + 2) / 3), '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac, static_cast<int>(len));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

outcome<inbound_webhook> verify_delivery(const http_server_request& req, const settings& s)
{
    if (s.client_secret.empty())
        return permanent("Shopify webhook refused: no shopify.client_secret is configured to verify it", 401);
    auto sig = req.headers.get("X-Shopify-Hmac-Sha256");
    auto expected = webhook_hmac(req.body, s.client_secret);
    // Compare in constant time; a missing or mis-sized header is simply a mismatch.
    bool ok = sig && sig->size() == expected.size() && CRYPTO_memcmp(sig->data(), expected.data(), expected.size()) == 0;
    if (!ok)
        return permanent("Shopify webhook refused: bad or missing X-Shopify-Hmac-Sha256", 401);
    auto topic = req.headers.get("X-Shopify-Topic");
    if (!topic || topic->empty())
        return permanent("Shopify webhook refused: no X-Shopify-Topic", 400);
    boost::system::error_code ec;
    auto v = json::parse(req.body, ec);
    if (ec || !v.is_object())
        return permanent(fmt::format("Shopify webhook {} refused: body is not a JSON object ({})", *topic,
                                     ec ? ec.message() : "wrong type"),
                         400);
    inbound_webhook w{std::string(*topic), {}, req.body};
    if (auto event = req.headers.get("X-Shopify-Event-Id"); event && !event->empty())
        w.dedup_key = fmt::format("{}:event:{}", *topic, *event);
    else if (auto id = req.headers.get("X-Shopify-Webhook-Id"); id && !id->empty())
        w.dedup_key = fmt::format("{}:delivery:{}", *topic, *id);
    return w;
}

namespace {

// A REST id (number) or a GID (string) at `key`, as our numeric id.
std::string id_at(const json::object& o, std::string_view key)
{
    auto v = o.if_contains(key);
    if (!v)
        return {};
    if (v->is_int64())
        return std::to_string(v->as_int64());
    if (v->is_uint64())
        return std::to_string(v->as_uint64());
    if (v->is_string())
        return legacy_id(v->as_string());
    return {};
}

} // namespace

outcome<webhook_hint> interpret_delivery(const inbound_webhook& w)
{
    boost::system::error_code ec;
    auto v = json::parse(w.body, ec);
    if (ec || !v.is_object())
        return permanent(fmt::format("Shopify webhook {}: body is not a JSON object", w.topic));
    const auto& o = v.as_object();
    webhook_hint h;
    const std::string_view t = w.topic;
    auto need = [&](std::string id) -> outcome<webhook_hint> {
        if (id.empty())
            return permanent(fmt::format("Shopify webhook {}: no customer id in the payload", w.topic));
        h.changed.push_back(std::move(id));
        return h;
    };
    if (t == "customers/create" || t == "customers/update" || t == "customers/enable" || t == "customers/disable" ||
        t == "customers_marketing_consent/update")
        return need(id_at(o, "id"));
    if (t == "customers_email_marketing_consent/update")
        return need(id_at(o, "customer_id"));
    if (t == "customer.tags_added" || t == "customer.tags_removed" || t == "customers/purchasing_summary")
        return need(id_at(o, "customerId"));
    if (t == "customers/delete") {
        auto id = id_at(o, "id");
        if (id.empty())
            return permanent("Shopify webhook customers/delete: no customer id in the payload");
        h.deleted.push_back(std::move(id));
        return h;
    }
    if (t == "customers/merge") {
        auto kept = id_at(o, "admin_graphql_api_customer_kept_id");
        auto gone = id_at(o, "admin_graphql_api_customer_deleted_id");
        auto status = o.if_contains("status");
        if (status && status->is_string() && status->as_string() != "completed") {
            h.note = fmt::format("customers/merge not completed ({})", std::string(status->as_string()));
            return h;
        }
        if (!kept.empty() && !gone.empty())
            h.merged.emplace_back(kept, gone);
        if (!kept.empty())
            h.changed.push_back(kept);
        return h;
    }
    if (t == "customers/redact" || t == "customers/data_request") {
        auto customer = o.if_contains("customer");
        std::string id = customer && customer->is_object() ? id_at(customer->as_object(), "id") : std::string();
        if (t == "customers/redact") {
            if (id.empty())
                return permanent("Shopify webhook customers/redact: no customer id in the payload");
            h.redact.push_back(id);
            h.note = fmt::format("redaction of Shopify customer {}", id);
        } else {
            h.note = fmt::format("data request {} for Shopify customer {}: the state cache holds the fields of "
                                 "sync.fields for this customer",
                                 id_at(o.if_contains("data_request") && o.at("data_request").is_object()
                                           ? o.at("data_request").as_object()
                                           : json::object{},
                                       "id"),
                                 id);
        }
        return h;
    }
    if (t == "shop/redact") {
        h.note = "shop/redact: the store asked for its data to be erased; stop the daemon and delete its state file";
        return h;
    }
    h.note = fmt::format("topic {} is not used", w.topic);
    return h;
}

} // namespace crmsync::shopify
