// Replays the recorded Shopify fixtures (tests/data/shopify/VERSION) that the older sandbox tests do
// not, against the emulator through its HTTP handler, comparing shapes, stable values, userErrors
// texts and requested (mostly also actual) costs; and checks tests/data/shopify/fixtures.md, the
// manifest that gives every recorded fixture a status, against the files and the test sources.
//
// Most captures kept their variables but not their documents: those documents were rebuilt from
// the answers (every selected field is in the answer; aliases and arguments come from the
// capture's variables and its requested cost) and live in tests/data/shopify/documents. A capture
// whose request is wholly unknown, or that needs the live shop's other data, is listed in the
// manifest instead. Connections over the whole shop are compared with replay_options::shop_wide.

#include "tests/fakes/manual_clock.hpp"
#include "tests/unit/sandbox_shopify_replay.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace shopify_replay;
using crmsync::sandbox::shopify::emulator_options;
using crmsync::test::manual_clock;
namespace fs = std::filesystem;

namespace {

// Documents under tests/data/shopify/documents, concatenated (a document and its fragments).
std::string document(std::initializer_list<const char*> names)
{
    std::string out;
    for (const char* n : names)
        out += load_text(std::string("documents/") + n + ".graphql") + "\n";
    return out;
}

replay_options op(const char* operation)
{
    replay_options o;
    o.operation = operation;
    return o;
}

// Requested cost only: Shopify's actual cost of a non-empty nested connection (addressesV2,
// metafields) runs a point above the sandbox's model, and of some reads far below it (its caches).
replay_options requested_only(replay_options o = {})
{
    o.actual_cost = false;
    return o;
}

replay_options with(replay_options o, std::initializer_list<const char*> shop_wide, std::initializer_list<const char*> extra_volatile = {})
{
    for (const char* k : shop_wide)
        o.shop_wide.insert(k);
    for (const char* k : extra_volatile)
        o.extra_volatile.insert(k);
    return o;
}

// One fixture replayed call by call on a fresh emulator (a manual clock that does not move unless
// told, so search index lag, when set, hides every write made since).
class fixture_run {
public:
    explicit fixture_run(const std::string& rel, emulator_options options = {}) : em(clock, std::move(options)), fx(load(rel)) {}

    const json::value& at(std::string_view pointer) const { return fx.at_pointer(pointer); }

    // The call at `pointer` (a JSON pointer into the capture) with `doc`, or with the document the
    // capture recorded when `doc` is empty.
    json::object run(std::string_view pointer, const std::string& doc = {}, const replay_options& o = {})
    {
        recorded_call c = recorded(at(pointer));
        return send(pointer, doc, c.variables, c, o);
    }

    // Same, with variables the capture did not record (live ids in them are mapped to ours).
    json::object run_with(std::string_view pointer, const std::string& doc, const json::value& vars, const replay_options& o = {})
    {
        return send(pointer, doc, vars, recorded(at(pointer)), o);
    }

    // Every call in the array or object at `pointer`, in order.
    void run_each(std::string_view pointer, const std::string& doc = {}, const replay_options& o = {})
    {
        const json::value& v = at(pointer);
        if (v.is_array()) {
            for (std::size_t i = 0; i < v.as_array().size(); ++i)
                run(std::string(pointer) + "/" + std::to_string(i), doc, o);
        } else {
            for (const auto& kv : v.as_object())
                run(std::string(pointer) + "/" + escape(kv.key()), doc, o);
        }
    }

    // A placeholder the capture's variables use for an id it created.
    void bind(const std::string& placeholder, const json::value& ours) { ids[placeholder] = std::string(ours.as_string()); }

    static std::string escape(std::string_view key)
    {
        std::string out;
        for (char ch : key)
            out += ch == '~' ? "~0" : ch == '/' ? "~1" : std::string(1, ch);
        return out;
    }

    manual_clock clock;
    emulator em;
    json::value fx;
    id_map ids;

private:
    json::object send(std::string_view pointer, const std::string& doc, const json::value& vars, const recorded_call& c,
                      const replay_options& o)
    {
        INFO("call " << pointer);
        std::string text = doc;
        if (text.empty()) {
            REQUIRE_MESSAGE(c.query, "no document recorded at " << pointer);
            text = local_text(*c.query, ids);
        }
        return replay_answer(em, text, local(vars, ids), *c.expected, ids, o);
    }
};

json::value id_at(const json::object& answer, std::string_view pointer) { return json::value(answer).at_pointer(pointer); }

// Creates, through the control API, a customer of the live shop as an answer shows it, and maps
// its live id to ours. The province code is the one formattedArea shows ("Leganes ACT, Australia").
void seed_live(fixture_run& f, const json::value& node)
{
    const json::object& n = node.as_object();
    auto text = [&](const char* k) -> std::optional<std::string> {
        const json::value* v = n.if_contains(k);
        return v && v->is_string() ? std::optional<std::string>(std::string(v->as_string())) : std::nullopt;
    };
    json::object fields;
    std::string shown = text("displayName").value_or("");
    if (text("firstName") || text("lastName")) {
        for (const char* k : {"firstName", "lastName"})
            if (auto v = text(k))
                fields[k] = *v;
    } else if (auto space = shown.find(' '); space != std::string::npos && shown.find('@') == std::string::npos) {
        fields["firstName"] = shown.substr(0, space);
        fields["lastName"] = shown.substr(space + 1);
    }
    if (auto e = text("email"))
        fields["email"] = *e;
    else if (shown.find('@') != std::string::npos)
        fields["email"] = shown;
    if (const json::value* p = n.if_contains("defaultPhoneNumber"); p && p->is_object())
        fields["phone"] = p->at("phoneNumber");
    for (const char* k : {"locale", "state", "tags", "taxExempt", "numberOfOrders"})
        if (const json::value* v = n.if_contains(k); v && !v->is_null())
            fields[k] = *v;
    if (const json::value* m = n.if_contains("amountSpent"); m && m->is_object())
        fields["amountSpent"] = m->at("amount");
    if (const json::value* a = n.if_contains("defaultAddress"); a && a->is_object()) {
        json::object addr;
        for (const char* k : {"address1", "city", "province", "country", "zip"})
            if (const json::value* v = a->as_object().if_contains(k); v && v->is_string())
                addr[k] = *v;
        std::string area = a->as_object().contains("formattedArea") ? std::string(a->at("formattedArea").as_string()) : "";
        std::string city = addr.contains("city") ? std::string(addr.at("city").as_string()) : "";
        if (area.starts_with(city + " ") && area.find(", ") != std::string::npos)
            addr["provinceCode"] = area.substr(city.size() + 1, area.find(", ") - city.size() - 1);
        fields["address"] = std::move(addr);
    }
    auto made = f.em.create_customer(fields);
    REQUIRE_MESSAGE(made.has_value(), json::serialize(fields));
    f.ids[std::string(n.at("id").as_string())] = std::string(made->at("id").as_string());
}

// Index lag longer than any test: search does not see writes made while the clock stands still,
// as live search did not see customers created moments before.
constexpr crmsync::milliseconds unindexed{3'600'000};

} // namespace

TEST_CASE("fixture replay: customerCreate, customerUpdate and customerDelete parity (metafields, shop)")
{
    // The three captures are one customer's life: created, updated, deleted.
    fixture_run f("2025-01/customer-create-parity.json");
    f.em.set_index_lag(unindexed);
    const std::string fields = document({"customer-parity-fields"});
    const std::string create = document({"customer-parity-create"}) + fields;
    const std::string update = document({"customer-parity-update"}) + fields;
    const std::string read = document({"customer-parity-read"}) + fields;
    const std::string remove = document({"customer-parity-delete"});
    json::object made = f.run("/mutation", create);
    json::value id = id_at(made, "/data/customerCreate/customer/id");
    json::object read_vars{{"id", id}, {"query", "email:" + std::string(f.at("/mutation/variables/input/email").as_string())}};
    replay_options shop = with({}, {"customers"}, {"count"});
    f.run_with("/downstreamRead", read, read_vars, shop);
    f.run("/validation", create);

    f.fx = load("2025-01/customer-update-parity.json");
    f.run("/mutation", update, requested_only());
    f.run_with("/downstreamRead", read, read_vars, shop);
    f.run("/validation", update);
    f.run("/metafieldValidation", update);
    f.run("/taxExemptionValidation", update);

    f.fx = load("2025-01/customer-delete-parity.json");
    // The payload's `shop` is a stub type in the sandbox's schema.
    replay_options no_shop;
    no_shop.not_emulated = {"shop"};
    f.run("/mutation", remove, no_shop);
    f.run_with("/downstreamRead", read, read_vars, shop);
    f.run("/validation", remove, no_shop);
}

TEST_CASE("fixture replay: customerDelete without orders, then the customer reads as null")
{
    fixture_run f("2025-01/customer-delete-no-orders-control.json");
    json::object made = f.run("/setup/customerCreate");
    f.run("/upstreamCalls/0");
    f.run_with("/expected/customerDelete", document({"customer-delete"}),
               json::object{{"input", json::object{{"id", id_at(made, "/data/customerCreate/customer/id")}}}});
    f.run_with("/expected/readAfterDelete", document({"customer-parity-detail", "customer-parity-fields"}),
               json::object{{"id", id_at(made, "/data/customerCreate/customer/id")}});
}

TEST_CASE("fixture replay: a first or a last name alone is identity enough - nothing at all is not")
{
    fixture_run f("2025-01/customer-create-name-identity.json");
    const std::string create = document({"customer-identity-create"});
    const std::string read = document({"customer-identity-read"});
    for (const char* s : {"firstNameOnly", "lastNameOnly"}) {
        INFO(s);
        f.run(std::string("/scenarios/") + s + "/create", create);
        f.run(std::string("/scenarios/") + s + "/downstreamRead", read, with({}, {"customers"}));
    }
    f.run("/scenarios/blankInput/create", create);
    f.run_each("/cleanup", document({"customer-delete"}));
}

TEST_CASE("fixture replay: customerUpdate may not clear the last identity field")
{
    fixture_run f("2025-01/customer-update-requires-identity.json");
    const std::string doc = document({"customer-requires-identity"});
    for (const char* s : {"clearLastEmail", "clearLastPhone", "clearEmailWhileNameRemains", "clearLastNamePair"}) {
        INFO(s);
        const json::object& sc = f.at(std::string("/scenarios/") + s).as_object();
        std::string base = std::string("/scenarios/") + s;
        if (sc.contains("create"))
            f.run(base + "/create", doc, op("CustomerRequiresIdentityCreate"));
        f.run(base + "/update", doc, op("CustomerRequiresIdentityUpdate"));
        if (sc.contains("downstreamRead"))
            f.run(base + "/downstreamRead", doc, op("CustomerRequiresIdentityRead"));
    }
    f.run_each("/cleanup", document({"customer-delete"}));
}

TEST_CASE("fixture replay: e-mail addresses are trimmed, lowercased and validated")
{
    fixture_run f("2025-01/customer-email-normalization.json");
    f.em.set_index_lag(unindexed);
    const std::string doc = document({"customer-email-normalization"});
    f.run("/cases/createSanitized", doc, op("CustomerEmailCreate"));
    f.run("/cases/downstreamRead", doc, op("CustomerEmailRead"));
    for (const char* k : {"duplicateCreate", "invalidFooAt", "invalidAtDomain", "invalidNoDotDomain", "invalidDoubleAt", "tooLongCreate"})
        f.run(std::string("/cases/") + k, doc, op("CustomerEmailCreate"));
    f.run("/cases/updateSanitized", doc, op("CustomerEmailUpdate"));
    for (const char* k : {"customerSetSanitized", "customerSetDuplicate", "customerSetInvalid", "customerSetTooLong"})
        f.run(std::string("/cases/") + k, doc, op("CustomerEmailSet"));
    f.run_each("/cleanup", document({"customer-delete"}));
}

TEST_CASE("fixture replay: phone numbers are normalised to E.164 and validated")
{
    fixture_run f("2025-01/customer-phone-normalization.json");
    const std::string doc = document({"customer-phone-normalization"});
    for (const char* k : {"createFormatted", "duplicateNormalized", "updateSetup"})
        f.run(std::string("/") + k, doc, op("CustomerPhoneCreate"));
    f.run("/updateFormatted", doc, op("CustomerPhoneUpdate"));
    f.run("/invalid", doc, op("CustomerPhoneCreate"));
    f.run("/tooLong", doc, op("CustomerPhoneCreate"));
    f.run("/setInvalid", doc, op("CustomerPhoneSet"));
    f.run_each("/cleanup", document({"customer-delete"}));
}

TEST_CASE("fixture replay: tags split on commas, deduplicate by case, at most 250 - notes at most 5000")
{
    fixture_run f("2025-01/customer-tag-note-limits-parity.json");
    const std::string doc = document({"customer-tag-note-limits"});
    for (const char* k : {"commaSplit", "caseDedupe", "tooManyTags", "tooLongNoteCreate"})
        f.run(std::string("/") + k, doc, op("CustomerTagNoteCreate"));
    f.run("/tooLongNoteUpdate", doc, op("CustomerTagNoteUpdate"));
    f.run("/tooLongNoteSet", doc, op("CustomerTagNoteSet"));
    f.run_each("/cleanup", document({"customer-delete"}));
}

TEST_CASE("fixture replay: consent inline in CustomerInput on create, refused on update (2025-01, 2026-07)")
{
    for (const char* file : {"2025-01/customer-input-inline-consent-parity.json", "2026-07/customer-input-inline-consent-parity.json"}) {
        INFO(file);
        fixture_run f(file);
        f.em.set_index_lag(unindexed);
        f.run("/mutation");
        f.run("/mutation/downstreamRead", {}, with({}, {"customers"}));
        for (const auto& kv : f.at("/validation").as_object())
            f.run("/validation/" + std::string(kv.key()), {}, with({}, {"customers"}));
        f.run_each("/cleanup");
    }
}

TEST_CASE("fixture replay: addresses given inline to customerCreate and customerUpdate")
{
    fixture_run f("2025-01/customer-input-addresses-parity.json");
    const std::string doc = document({"customer-input-addresses"});
    f.run("/create", doc, requested_only(op("CustomerInputAddressesCreate")));
    f.run("/update", doc, requested_only(op("CustomerInputAddressesUpdate")));
    f.run("/downstreamRead", doc, requested_only(op("CustomerInputAddressesRead")));
}

TEST_CASE("fixture replay: inline addresses on customerUpdate: an id edits in place, no id adds, an unknown id is refused")
{
    fixture_run f("2026-04/customer-update-inline-address-id-semantics.json");
    const std::string doc = document({"customer-inline-address-ids"});
    f.run("/create", doc, requested_only(op("CustomerInlineAddressIdsCreate")));
    for (const char* k : {"updateInPlace", "readAfterUpdate", "unknownId", "readAfterUnknownId", "createWithoutId", "readAfterCreateWithoutId"}) {
        INFO(k);
        std::string_view key = k;
        f.run(std::string("/") + k, doc,
              requested_only(op(key.starts_with("read") ? "CustomerInlineAddressIdsRead" : "CustomerInlineAddressIdsUpdate")));
    }
}

TEST_CASE("fixture replay: e-mail then SMS marketing consent updates, with reads")
{
    // The SMS capture continues the e-mail capture's customer.
    fixture_run f("2026-04/customer-email-marketing-consent-update-parity.json");
    f.em.set_index_lag(unindexed);
    const std::string doc = document({"customer-sms-consent"});
    f.run_with("/precondition", doc,
               json::parse(R"({"input":{"email":"hermes-consent-1777088218567@example.com","firstName":"Hermes","lastName":"Consent",
                               "phone":"+14155558567"}})"),
               op("CustomerConsentCreate"));
    json::value email_vars = f.at("/mutation/variables");
    f.run("/mutation", doc, op("CustomerEmailConsentUpdate"));
    f.run("/downstreamRead", doc, with(op("CustomerConsentRead"), {"customers"}));
    f.run("/validation/unknownCustomer", doc, op("CustomerEmailConsentUpdate"));
    f.fx = load("2026-04/customer-sms-marketing-consent-update-parity.json");
    f.run_with("/precondition", doc, email_vars, op("CustomerEmailConsentUpdate"));
    f.run("/mutation", doc, op("CustomerSmsConsentUpdate"));
    f.run("/downstreamRead", doc, with(op("CustomerConsentRead"), {"customers"}));
    f.run("/validation/unknownCustomer", doc, op("CustomerSmsConsentUpdate"));
    f.run_with("/cleanup", document({"customer-delete"}), json::object{{"input", json::object{{"id", f.ids.at("gid://shopify/Customer/9103125119209")}}}});
}

TEST_CASE("fixture replay: country and province codes win over names - unknown ones are refused")
{
    fixture_run f("2025-01/customer-address-country-province-validation.json");
    const std::string doc = document({"customer-country-province"});
    json::object made = f.run("/validControl", doc, op("CustomerCountryProvinceCreate"));
    f.bind("<valid-control-customer-id>", id_at(made, "/data/customerCreate/customer/id"));
    f.bind("<valid-control-address-id>", id_at(made, "/data/customerCreate/customer/defaultAddress/id"));
    f.run("/addressCreateUnknownCountry", document({"customer-address-create"}));
    f.run("/addressCreateWrongProvinceCountry", document({"customer-address-create"}));
    f.run("/addressUpdateWrongProvinceCountry", document({"customer-address-update"}));
    f.run("/customerUpdateWrongProvinceCountry", doc, op("CustomerCountryProvinceUpdate"));
    f.run("/customerSetWrongProvinceCountry", doc, op("CustomerCountryProvinceSet"));
    for (const char* k : {"customerCreateUnknownCountry", "customerCreateDisplayConflict", "customerCreateNoZoneProvince"})
        f.run(std::string("/") + k, doc, op("CustomerCountryProvinceCreate"));
    for (const auto& c : f.at("/cleanup").as_array())
        f.run_with("/cleanup/" + std::to_string(&c - f.at("/cleanup").as_array().data()) + "/result", document({"customer-delete"}),
                   json::object{{"input", json::object{{"id", c.at("id")}}}});
}

TEST_CASE("fixture replay: customerCreate refuses ids on nested addresses and metafields")
{
    fixture_run f("2025-01/customer-create-rejects-nested-ids.json");
    const std::string doc = document({"customer-nested-ids"});
    f.run("/setup", doc, op("CustomerCreateNestedIds"));
    for (const char* k : {"both", "address", "metafield"})
        f.run(std::string("/") + k, doc, op("CustomerCreateNestedIds"));
    f.run("/invalidRead", doc, op("CustomerCreateNestedIdsRead"));
    f.run("/happy", doc, op("CustomerCreateNestedIds"));
}

TEST_CASE("fixture replay: keyed search filters (country, state, default field, grouped OR, exclusion)")
{
    fixture_run f("2025-01/customers-keyed-search-filters.json");
    for (const char* k : {"/canadianCreate", "/usCreate", "/searchRead", "/cleanup/canada", "/cleanup/us"})
        f.run(k);
}

TEST_CASE("fixture replay: paging by name over a tag while customers come and go")
{
    // Live-hybrid: the counts are the live shop's (1448), the rest is the fixture's own customers.
    // Actual costs: the catalog hydrate of 178 requested points cost 3 live (Shopify's caches).
    fixture_run h("2025-01/customer-live-hybrid-overlay.json");
    replay_options counts = requested_only(with({}, {}, {"count"}));
    for (const char* k : {"/setup/baseCreate", "/setup/duplicateHydrate", "/setup/countHydrate", "/setup/baseRead", "/setup/catalogHydrate",
                          "/setup/firstPageHydrate", "/setup/matchingCatalogHydrate", "/setup/matchingCountHydrate", "/liveStagedCreate",
                          "/finalRead", "/cleanup/staged", "/cleanup/base"}) {
        INFO(k);
        h.run(k, {}, counts);
    }

    fixture_run b("2025-01/customer-bounded-overlay-refill.json");
    b.run_each("/setup/baseCreates");
    for (const char* k : {"/setup/baseRead", "/setup/refill", "/setup/duplicateHydrate", "/liveStagedCreate", "/finalRead"}) {
        INFO(k);
        b.run(k, {}, requested_only());
    }
    b.run_each("/cleanup");
}

TEST_CASE("fixture replay: one customer of the live shop by id and by identifier (id, e-mail, phone, custom id)")
{
    // The live shop sells in CAD, the sandbox shop in USD.
    fixture_run d("2025-01/customer-detail.json");
    seed_live(d, d.at("/data/customer"));
    d.run_with("", document({"customer-detail"}), json::object{{"id", d.at("/data/customer/id")}},
               with(op("CustomerDetail"), {}, {"currencyCode"}));

    fixture_run f("2025-01/customer-by-identifier.json");
    seed_live(f, d.at("/data/customer"));
    const std::string doc = document({"customer-detail"});
    f.run_with("/positiveAndMissing", doc, f.at("/proxyVariables"), with(op("CustomerByIdentifier"), {}, {"currencyCode"}));
    f.run_with("/customIdMissing", doc, json::object{}, op("CustomerByCustomId"));
    f.run_with("/emptyIdentifier", doc, json::object{{"idIdentifier", json::object{}}}, op("CustomerByEmptyIdentifier"));
}

TEST_CASE("fixture replay: the first page of the live shop's customers, and its orders by name, id and location")
{
    replay_options o = with({}, {}, {"currencyCode"});
    fixture_run c("2025-01/customers-catalog.json");
    for (const auto& e : c.at("/data/customers/edges").as_array())
        seed_live(c, e.at("node"));
    REQUIRE(c.em.create_customer(json::object{{"email", "later@example.com"}}).has_value()); // hasNextPage
    c.run("", document({"customers-catalog"}), o);

    // Every customer the three orders show; the first ids in id order are created first.
    fixture_run s("2025-01/customers-sort-keys.json");
    std::vector<json::object> people;
    for (const char* order : {"/data/idOrder/edges", "/data/nameOrder/edges", "/data/locationOrder/edges"})
        for (const auto& e : s.at(order).as_array()) {
            const json::object& node = e.at("node").as_object();
            auto same = std::find_if(people.begin(), people.end(), [&](const json::object& p) { return p.at("id") == node.at("id"); });
            if (same == people.end())
                people.push_back(node);
            else
                for (const auto& kv : node)
                    (*same)[kv.key()] = kv.value();
        }
    for (const auto& p : people)
        seed_live(s, p);
    // One more that sorts last every way, so each order has a next page, as live.
    REQUIRE(s.em.create_customer(json::object{{"firstName", "Zed"}, {"lastName", "Zuzu"}}).has_value());
    s.run("", document({"customers-sort-keys"}));
}

TEST_CASE("fixture replay: one running bulk query per app and shop, as 2025-01 had it")
{
    // Captured when 2025-01 still allowed one running query operation; today's versions allow five.
    emulator_options one;
    one.bulk.max_running = 1;
    fixture_run f("2025-01/bulk-operation-run-query-operation-in-progress.json", one);
    f.run("/firstRun");
    f.run("/secondRun");
    f.run("/upstreamCalls/0");
    f.run("/cancelAttempt");
}

namespace {

// Shopify as captured: no http:// to loopback, the capture's app id.
emulator_options live_like()
{
    emulator_options o;
    o.webhooks.allow_http_loopback = false;
    o.webhooks.api_client_id = "347082227713";
    return o;
}

// Replays the webhook call at `pointer` with the sandbox's copy of the document its documentPath
// names. The deprecated dedicated roots (pubSubWebhookSubscriptionCreate/Update,
// eventBridgeWebhookSubscriptionCreate/Update) have none: the sandbox does not serve them.
void run_webhook(fixture_run& f, const std::string& pointer)
{
    std::string path(f.at(pointer).at("documentPath").as_string());
    for (auto [suffix, doc] : {std::pair{"/webhookSubscriptionCreate-parity.graphql", "webhook-subscription-create"},
                               std::pair{"/webhookSubscriptionUpdate-parity.graphql", "webhook-subscription-update"},
                               std::pair{"/webhookSubscriptionDelete-parity.graphql", "webhook-subscription-delete"},
                               std::pair{"/webhook-subscription-detail-read.graphql", "webhook-subscription-detail"},
                               std::pair{"/webhook-subscription-dedicated-cloud-detail-read.graphql", "webhook-subscription-cloud-detail"}})
        if (path.ends_with(suffix)) {
            f.run(pointer, document({doc}));
            return;
        }
    FAIL("no sandbox document for " << path << " at " << pointer);
}

} // namespace

TEST_CASE("fixture replay: Pub/Sub project and topic characters, EventBridge JSON only, on the unified roots")
{
    // The captures also probe the deprecated dedicated roots; those calls are not replayed.
    fixture_run g("2026-04/gcp-project-topic-char-rules.json", live_like());
    run_webhook(g, "/setup/apiClientProbe");
    for (const char* k : {"unifiedCreateNumericProjectAccepted", "unifiedCreateDigitLeadingTopicRejected", "unifiedCreatePercentTopicAccepted",
                          "unifiedUpdateNumericProjectAccepted", "unifiedUpdateDigitLeadingTopicRejected",
                          "unifiedUpdatePercentTopicAccepted", "unifiedDetailAfterPercentTopicUpdate"}) {
        INFO(k);
        run_webhook(g, std::string("/cases/") + k);
    }
    for (const auto& kv : g.at("/cleanup").as_object())
        if (g.ids.count(std::string(kv.key())))
            run_webhook(g, "/cleanup/" + fixture_run::escape(kv.key()));

    fixture_run e("2026-04/eventbridge-cloud-format-json-only.json", live_like());
    for (const char* k : {"/setup/unifiedUpdateSetup", "/validation/unifiedCreateXmlRejected", "/validation/unifiedUpdateXmlRejected",
                          "/setup/cleanupUnifiedUpdateSetup"}) {
        INFO(k);
        run_webhook(e, k);
    }
}

TEST_CASE("fixture replay: webhook address and filter sizes at 64 KB")
{
    fixture_run a("2026-04/webhook-subscription-address-byte-size-validation.json", live_like());
    run_webhook(a, "/cases/acceptedAtLimit");
    run_webhook(a, "/cases/rejectedAboveLimit");
    run_webhook(a, "/cleanup");

    fixture_run f("2026-04/webhook-subscription-filter-byte-size-validation.json", live_like());
    for (const char* k : {"acceptedAtLimit", "rejectedCreateAboveLimit", "createUpdateBase", "rejectedUpdateAboveLimit", "detailAfterRejectedUpdate"}) {
        INFO(k);
        run_webhook(f, std::string("/cases/") + k);
    }
    run_webhook(f, "/cleanup/acceptedAtLimit");
    run_webhook(f, "/cleanup/updateBase");
}

TEST_CASE("fixture replay: address calls the older address cases leave out (nested ids, lists, phone reads)")
{
    fixture_run l("2025-01/customer-address-lifecycle.json");
    const std::string rest = document({"customer-address-lifecycle-rest"});
    const std::string update = document({"customer-address-update"});
    const std::string b = "/validations/idMismatchBranches/";
    l.run(b + "createCustomer", rest, op("CustomerAddressIdMismatchCreateCustomer"));
    l.run(b + "createFirstAddress", document({"customer-address-create"}));
    l.run(b + "createSecondAddress", document({"customer-address-create"}));
    for (const char* k : {"mismatchedNestedIdUpdate", "readAfterReject", "omittedNestedIdUpdate", "nullNestedIdUpdate",
                          "matchingNestedIdUpdate", "finalRead"}) {
        INFO(k);
        bool read = std::string_view(k).starts_with("read") || std::string_view(k).ends_with("Read");
        l.run(b + k, read ? rest : update, read ? requested_only(op("CustomerAddressIdMismatchRead")) : replay_options{});
    }
    REQUIRE(l.em.create_customer(json::object{{"email", "hermes-address-validation-1778022023847@example.com"},
                                              {"firstName", "Hermes"}, {"lastName", "AddressValidation"}})
                .has_value());
    l.ids["gid://shopify/Customer/10583080960306"] = std::string(l.em.list_customers().back().at("id").as_string());
    l.run("/validations/customerSetValidAddresses", rest, requested_only(op("CustomerSetAddresses")));
    l.run("/validations/customerSetBlankAddresses", rest, requested_only(op("CustomerSetAddresses")));

    fixture_run v("2025-01/customer-address-input-validation.json");
    const std::string more = document({"customer-address-input-rest"});
    for (auto [key, placeholder] : {std::pair{"/setupCustomer", "<setup-customer-id>"}, std::pair{"/phoneSetupCustomer", "<phone-setup-customer-id>"}}) {
        json::object made = v.run(key, more, op("CustomerNestedAddressCreate"));
        v.bind(placeholder, id_at(made, "/data/customerCreate/customer/id"));
    }
    json::object phone = v.run("/addressCreateFormattedPhone", document({"customer-address-create"}));
    v.bind("<phone-address-id>", id_at(phone, "/data/customerAddressCreate/address/id"));
    for (const char* k : {"addressCreateFormattedPhoneRead", "addressUpdateFormattedPhone", "addressUpdateFormattedPhoneRead",
                          "addressUpdateLocalPhone", "addressUpdateLocalPhoneRead", "addressUpdateRawFallbackPhone",
                          "addressUpdateRawFallbackPhoneRead"}) {
        INFO(k);
        std::string_view key = k;
        v.run(std::string("/") + k, key.ends_with("Read") ? more : update,
              key.ends_with("Read") ? requested_only(op("CustomerAddressPhoneRead")) : replay_options{});
    }
    v.run("/customerCreateNestedTooLong", more, op("CustomerNestedAddressCreate"));
    v.run("/customerCreateNestedBlank", more, op("CustomerNestedAddressCreate"));
    v.run("/customerSetNestedBlank", more, requested_only(op("CustomerNestedAddressSet")));
}

TEST_CASE("fixture replay: customerSet parity in full (address lists cleared and nulled, reads, deleted identifiers)")
{
    // The older case replays the identifier semantics; this one the whole capture in order.
    fixture_run f("2026-04/customer-set-parity.json");
    f.em.set_index_lag(unindexed); // the read's tag search did not see this run's customers yet
    const std::string doc = document({"customer-set-parity"});
    const std::string rest = document({"customer-set-parity-rest"});
    for (const char* k : {"/mutation", "/update", "/upsert", "/updateByEmail", "/clearAddresses", "/phoneUpsert", "/phoneUpdate",
                          "/multiAddressReplacement"}) {
        INFO(k);
        f.run(k, doc, requested_only());
    }
    f.run("/downstreamRead", rest, requested_only(with(op("CustomerSetParityRead"), {"customers"}, {"count"})));
    for (const char* k : {"missingIdentity", "unknownId", "duplicateEmail", "duplicatePhone", "missingIdentifierEmail",
                          "mismatchedIdentifierEmail", "customId", "nullAddressList", "nullableUpdate"}) {
        INFO(k);
        f.run(std::string("/validation/") + k, doc, requested_only());
    }
    f.run("/validation/unknownIdWithCode", rest, op("CustomerSetParityWithCode"));
    for (const auto& kv : f.at("/validation/idNotAllowed").as_object())
        f.run("/validation/idNotAllowed/" + std::string(kv.key()), rest, op("CustomerSetParityWithCode"));
    // The capture deleted its customer just before; here the control API does.
    auto gone = f.em.create_customer(json::object{{"firstName", "Hermes"}, {"lastName", "DeletedIdentifier"}});
    REQUIRE(gone.has_value());
    f.ids["gid://shopify/Customer/10870501966130"] = std::string(gone->at("id").as_string());
    REQUIRE(f.em.delete_customer(std::stoull(std::string(gone->at("legacyResourceId").as_string()))));
    f.run("/validation/deletedIdentifier", doc);
}

TEST_CASE("fixture replay: customer calls the older customer cases leave out (metafield fidelity, deleted, custom id input)")
{
    // Data erasure (erasureRequest, cleanup/cancelDataErasure) is not emulated; the rest is.
    fixture_run m("2025-01/customer-metafields-erasure-address-fidelity.json");
    m.run("/create", {}, requested_only());
    m.run("/downstreamRead", {}, requested_only());
    m.run("/erasureHydrate", {}, requested_only());
    m.run("/cleanup/delete");

    fixture_run v("2025-01/customer-input-validation-parity.json");
    const std::string doc = document({"customer-input-validation-rest"});
    v.run("/deletedCustomerUpdate/precondition", doc, op("CustomerInputValidationCreate"));
    v.run("/deletedCustomerUpdate/deleteBeforeUpdate", document({"customer-delete"}));
    v.run("/deletedCustomerUpdate/updateDeletedCustomer", doc, op("CustomerInputValidationUpdate"));

    fixture_run c("2026-04/customer-set-custom-id.json");
    c.run("/cases/validations/duplicateAssignment");
}

namespace {

struct manifest_entry {
    std::string status;             // "replayed", "unsupported" or "divergence"
    std::vector<std::string> cases; // for replayed: the doctest cases that replay it
    std::string reason;             // for the others
};

std::string trim(std::string s)
{
    auto b = s.find_first_not_of(' ');
    auto e = s.find_last_not_of(' ');
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// tests/data/shopify/fixtures.md: the rows "| VERSION/NAME.json | STATUS | notes |", STATUS being
// "replayed (`test case`, ...)", "unsupported: reason" or "divergence: reason".
std::map<std::string, manifest_entry> read_manifest()
{
    std::map<std::string, manifest_entry> out;
    std::istringstream in(load_text("fixtures.md"));
    for (std::string line; std::getline(in, line);) {
        if (!line.starts_with("| 20"))
            continue;
        std::vector<std::string> cells;
        for (std::size_t at = 1, bar; (bar = line.find(" |", at)) != std::string::npos; at = bar + 2)
            cells.push_back(trim(line.substr(at, bar - at)));
        INFO(line);
        REQUIRE(cells.size() == 3);
        CHECK_MESSAGE(!out.contains(cells[0]), "listed twice");
        manifest_entry e;
        const std::string& s = cells[1];
        if (s.starts_with("replayed (") && s.ends_with(")")) {
            // replayed (`case`, `case`)
            e.status = "replayed";
            for (auto open = s.find('`'); open != std::string::npos; open = s.find('`', s.find('`', open + 1) + 1))
                e.cases.push_back(s.substr(open + 1, s.find('`', open + 1) - open - 1));
            CHECK_MESSAGE(!e.cases.empty(), "name the replaying test cases in backquotes");
        } else if (auto colon = s.find(": "); colon != std::string::npos) {
            e.status = s.substr(0, colon);
            e.reason = s.substr(colon + 2);
        }
        CHECK_MESSAGE((e.status == "replayed" || e.status == "unsupported" || e.status == "divergence"), "status: " << s);
        CHECK_MESSAGE((e.status == "replayed" || e.reason.size() >= 20), "give a concrete reason: " << s);
        out[cells[0]] = std::move(e);
    }
    return out;
}

// "VERSION/NAME.json" of every capture under `root`/VERSION.
std::set<std::string> captures(const fs::path& root)
{
    std::set<std::string> out;
    for (const auto& dir : fs::directory_iterator(root))
        if (dir.is_directory() && std::isdigit(static_cast<unsigned char>(dir.path().filename().string()[0])))
            for (const auto& f : fs::directory_iterator(dir.path()))
                if (f.path().extension() == ".json")
                    out.insert(dir.path().filename().string() + "/" + f.path().filename().string());
    return out;
}

// The body of every doctest case in the sandbox's Shopify tests, by name.
std::map<std::string, std::string> sandbox_test_cases()
{
    std::map<std::string, std::string> out;
    for (const auto& f : fs::directory_iterator(fs::path(CRMSYNC_SOURCE_DIR) / "tests" / "unit")) {
        std::string name = f.path().filename().string();
        if (!name.starts_with("sandbox_shopify_") || !name.ends_with("_test.cpp"))
            continue;
        std::ifstream in(f.path());
        std::stringstream ss;
        ss << in.rdbuf();
        std::string text = ss.str();
        const std::string open = "TEST_CASE(\"";
        for (auto at = text.find(open); at != std::string::npos;) {
            auto name_end = text.find("\")", at + open.size());
            auto next = text.find(open, name_end);
            out[text.substr(at + open.size(), name_end - at - open.size())] = text.substr(name_end, next - name_end);
            at = next;
        }
    }
    return out;
}

std::string bytes_of(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace

TEST_CASE("fixture manifest: every recording is listed - replayed ones are copied, unchanged and replayed by their cases")
{
    std::map<std::string, manifest_entry> manifest = read_manifest();
    REQUIRE(!manifest.empty());
    const fs::path data = fs::path(CRMSYNC_SOURCE_DIR) / "tests" / "data" / "shopify";
    std::set<std::string> copies = captures(data);
    std::map<std::string, std::string> cases = sandbox_test_cases();

    for (const auto& f : copies) {
        INFO(f);
        auto it = manifest.find(f);
        CHECK_MESSAGE(it != manifest.end(), "a copy the manifest does not list");
        if (it != manifest.end())
            CHECK_MESSAGE(it->second.status == "replayed", "a copy the manifest does not call replayed");
    }
    std::size_t replayed = 0, unsupported = 0, divergent = 0;
    for (const auto& entry : manifest) {
        const auto& f = entry.first; // doctest's INFO and CHECK capture it: no structured binding (clang 14)
        const auto& e = entry.second;
        INFO(f);
        replayed += e.status == "replayed";
        unsupported += e.status == "unsupported";
        divergent += e.status == "divergence";
        if (e.status != "replayed")
            continue;
        CHECK_MESSAGE(copies.contains(f), "replayed but not copied to tests/data/shopify");
        for (const auto& c : e.cases) {
            auto body = cases.find(c);
            CHECK_MESSAGE(body != cases.end(), "no test case \"" << c << "\"");
            if (body != cases.end())
                CHECK_MESSAGE(body->second.find(f) != std::string::npos, "\"" << c << "\" does not load " << f);
        }
    }

    // With the recordings at hand (a developer checkout; CI has none): a new recording cannot go
    // unlisted, and a copy cannot drift from its recording.
    const fs::path shared = fs::path(CRMSYNC_SHARED_DIR) / "api" / "shopify" / "fixtures";
    if (fs::is_directory(shared)) {
        std::set<std::string> recorded = captures(shared);
        CHECK(!recorded.empty());
        for (const auto& f : recorded) {
            INFO(f);
            CHECK_MESSAGE(manifest.contains(f), "a recording the manifest does not list");
            if (copies.contains(f))
                CHECK_MESSAGE(bytes_of(shared / f) == bytes_of(data / f), "the copy differs from the recording");
        }
        for (const auto& entry : manifest)
            CHECK_MESSAGE(recorded.contains(entry.first), entry.first << " is listed but was never recorded");
        MESSAGE(recorded.size() << " recorded fixtures checked against " << shared.string());
    } else {
        MESSAGE("no recordings at " << shared.string() << "; the manifest is checked against the copies only");
    }
    MESSAGE(replayed << " fixtures replayed, " << unsupported << " unsupported listed, " << divergent << " divergent listed");
}
