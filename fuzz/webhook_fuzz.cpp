// The Shopify webhook receiver: a delivery's headers and body through the connector's verify_webhook
// (HMAC, topic, JSON shape, de-duplication key) and, when accepted, interpret_webhook (what each topic
// means). Anyone on the network can post to the endpoint, so nothing here may crash.
//
// Input: byte 0 flags (bit 0: sign the body with the configured secret, so that interpretation is
// reached; bit 1: add an X-Shopify-Topic chosen by byte 1; bits 2-4 all set: no secret configured),
// byte 1 the topic, then "Name: value" header lines up to an empty line, then the body.
#include "connectors/shopify/connector.hpp"
#include "connectors/shopify/webhooks.hpp"
#include "core/http_server.hpp"
#include "fuzz/fuzz_support.hpp"
#include "tests/fakes/manual_clock.hpp"

#include <boost/json/parse.hpp>

#include <array>
#include <memory>

using namespace crmsync;

namespace {

constexpr std::string_view secret = "shpss_fuzz_secret";

constexpr std::array<std::string_view, 16> topics{
    "customers/create", "customers/update", "customers/enable", "customers/disable",
    "customers/delete", "customers/merge", "customers/redact", "customers/data_request",
    "shop/redact", "customers_marketing_consent/update", "customers_email_marketing_consent/update",
    "customer.tags_added", "customer.tags_removed", "customers/purchasing_summary", "app/uninstalled", ""};

struct receiver {
    boost::asio::io_context ioc;
    fuzz::canned_http_client http;
    test::manual_clock clock;
    shopify::shopify_connector signed_conn{ioc.get_executor(), settings(secret), http, clock, {}, fuzz::null_logger("shopify")};
    shopify::shopify_connector unsigned_conn{ioc.get_executor(), settings(""), http, clock, {}, fuzz::null_logger("shopify")};

    static shopify::settings settings(std::string_view client_secret)
    {
        shopify::settings s;
        s.shop = "fuzz.myshopify.com";
        s.access_token = "shpat_fuzz";
        s.client_secret = std::string(client_secret);
        s.webhooks.public_url = "https://sync.example.com/webhooks/shopify";
        return s;
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static receiver r; // the connectors are stateless for webhooks: build them once
    fuzz::input in(data, size);
    const auto flags = in.byte();
    const auto topic = topics[in.byte() % topics.size()];
    const bool sign = flags & 1;
    const bool add_topic = flags & 2;
    const bool no_secret = (flags & 0x1c) == 0x1c;

    http_server_request req;
    req.method = "POST";
    req.target = "/webhooks/shopify";
    req.remote_address = "203.0.113.7";
    auto given = in.headers();
    req.body = std::string(in.rest());
    // Ours first: header lookup takes the first of a name.
    if (sign)
        req.headers.add("X-Shopify-Hmac-Sha256", shopify::webhook_hmac(req.body, secret));
    if (add_topic)
        req.headers.add("X-Shopify-Topic", std::string(topic));
    for (const auto& [name, value] : given.items())
        req.headers.add(name, value);

    const auto& conn = no_secret ? r.unsigned_conn : r.signed_conn;
    auto w = conn.verify_webhook(req);
    if (!w) {
        // An authentic delivery with a topic and a JSON object body must be accepted.
        boost::system::error_code ec;
        auto body = boost::json::parse(req.body, ec);
        auto t = req.headers.get("X-Shopify-Topic");
        if (!no_secret && sign && t && !t->empty() && !ec && body.is_object())
            __builtin_trap();
        return 0;
    }
    if (no_secret || w->topic.empty())
        __builtin_trap(); // accepted without a secret to check it against, or without a topic
    auto hint = conn.interpret_webhook(*w);
    if (hint)
        for (const auto& id : hint->changed)
            if (id.empty())
                __builtin_trap(); // an empty id would make the engine re-read nothing
    return 0;
}
