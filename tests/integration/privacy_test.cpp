// Privacy (design.md §5, issue 5): Shopify's customers/redact erases the person from the state cache and
// tombstones them; with sync.gdpr_delete_in_crm the linked HubSpot contact is erased too, through HubSpot's
// GDPR delete (not an archive). Real engine, connectors and emulators.
#include "tests/fakes/engine_harness.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

using namespace crmsync;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

struct redaction_run {
    std::size_t contacts_after = 0;
    std::size_t archived_after = 0;
    bool contact_found = false;
    std::uint64_t tombstones = 0;
    std::uint64_t links_with_crm = 0;
};

redaction_run redact_one(bool opt_in)
{
    test::harness_options o;
    o.sync_yaml = std::string("  direction: shopify_to_crm\n") + (opt_in ? "  gdpr_delete_in_crm: true\n" : "");
    test::engine_harness h(o);
    h.shopify().seed(20, 3);
    h.start();
    REQUIRE(h.run_until([&] { return h.settled() && h.store().counts().links == 20; }, 60s));
    REQUIRE(h.hubspot().counts().live == 20);

    const auto customers = h.shopify().list_customers();
    const auto& c = customers.front().as_object();
    const std::string id(c.at("legacyResourceId").as_string());
    const auto link = h.store().link_by_remote(side::shopify, id);
    REQUIRE(link.has_value());
    const std::string contact = link->crm_id;

    json::object payload{{"shop_id", 1}, {"shop_domain", "e2e.myshopify.com"},
                         {"customer", json::object{{"id", std::stoll(id)}}}, {"orders_to_redact", json::array{}}};
    REQUIRE(h.eng().accept_webhook(side::shopify, {"customers/redact", "redact-" + id, json::serialize(payload)}));
    const auto writes = h.hubspot().stats().writes;
    REQUIRE(h.run_until(
        [&] {
            return h.eng().status(side::shopify).webhooks_processed >= 1 && h.settled() &&
                   (!opt_in || h.hubspot().stats().writes > writes);
        },
        30s));
    // A few more polls: the customer still exists in Shopify, and must not come back through them.
    const auto polls = h.eng().status(side::shopify).polls;
    REQUIRE(h.run_until([&] { return h.eng().status(side::shopify).polls >= polls + 3 && h.settled(); }, 30s));

    redaction_run r;
    r.contacts_after = h.hubspot().counts().live;
    r.archived_after = h.hubspot().counts().archived;
    r.contact_found = h.hubspot().get_contact(contact).has_value();
    r.tombstones = h.store().counts().tombstones;
    auto after = h.store().link(link->id);
    REQUIRE(after.has_value());
    CHECK(after->shopify_id.empty()); // the link no longer names the customer
    for (const auto& kv : after->base)
        CHECK_MESSAGE(kv.second.empty(), "base value kept for " << kv.first);
    r.links_with_crm = after->crm_id.empty() ? 0 : 1;
    h.stop();
    return r;
}

} // namespace

TEST_CASE("customers/redact with gdpr_delete_in_crm: the contact is GDPR-deleted, not archived, and nobody returns")
{
    auto r = redact_one(true);
    CHECK(r.contacts_after == 19);
    CHECK(r.archived_after == 0); // erased for good, not in the archive
    CHECK_FALSE(r.contact_found);
    CHECK(r.tombstones == 2); // the customer's id and the contact's
    CHECK(r.links_with_crm == 0);
}

TEST_CASE("customers/redact without the opt-in: the cache forgets the customer, the contact stays")
{
    auto r = redact_one(false);
    CHECK(r.contacts_after == 20);
    CHECK(r.contact_found);
    CHECK(r.tombstones == 1);
    CHECK(r.links_with_crm == 1);
}
