// The Shopify emulator through its HTTP handler (no sockets): fixture replay, paging and search,
// index lag, throttling on a manual clock, mutation semantics, auth and versions.

#include "sandbox/shopify/emulator.hpp"
#include "tests/fakes/manual_clock.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace json = boost::json;
using crmsync::sandbox::shopify::emulator;
using crmsync::test::manual_clock;

namespace {

const std::string token = "shpat_sandbox_token";

crmsync::http_server_reply call(emulator& em, crmsync::http_server_request req)
{
    boost::asio::io_context io;
    std::optional<crmsync::http_server_reply> out;
    boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> { out = co_await em.handle(req); },
                          [](std::exception_ptr e) {
                              if (e)
                                  std::rethrow_exception(e);
                          });
    io.run();
    REQUIRE(out);
    return *out;
}

crmsync::http_server_reply post(emulator& em, const std::string& body, const std::string& version = "2026-10",
                                const std::string& tok = token)
{
    crmsync::http_server_request req;
    req.method = "POST";
    req.target = "/admin/api/" + version + "/graphql.json";
    req.headers.add("Content-Type", "application/json");
    if (!tok.empty())
        req.headers.add("X-Shopify-Access-Token", tok);
    req.body = body;
    return call(em, std::move(req));
}

json::object gql(emulator& em, const std::string& query, const json::value& variables = json::object{})
{
    auto r = post(em, json::serialize(json::object{{"query", query}, {"variables", variables}}));
    REQUIRE(r.response.status == 200);
    return json::parse(r.response.body).as_object();
}

json::value load(const std::string& rel)
{
    std::ifstream in(std::string(CRMSYNC_SOURCE_DIR) + "/tests/data/shopify/" + rel);
    REQUIRE_MESSAGE(in, rel);
    std::stringstream ss;
    ss << in.rdbuf();
    return json::parse(ss.str());
}

std::string load_text(const std::string& rel)
{
    std::ifstream in(std::string(CRMSYNC_SOURCE_DIR) + "/tests/data/shopify/" + rel);
    REQUIRE_MESSAGE(in, rel);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Same keys at every level and the same stable values; ids, stamps and cursors differ between a
// live store and the emulator.
void same_shape(const json::value& expected, const json::value& actual, const std::string& path = "$")
{
    static const std::set<std::string> volatile_keys{"id", "createdAt", "updatedAt", "cursor", "startCursor", "endCursor",
                                                     "deletedCustomerId", "legacyResourceId", "currentlyAvailable",
                                                     "marketingUpdatedAt", "locations"};
    if (expected.is_object()) {
        REQUIRE_MESSAGE(actual.is_object(), path << " expected an object, got " << json::serialize(actual));
        std::set<std::string> ek, ak;
        for (const auto& kv : expected.as_object())
            ek.insert(kv.key());
        for (const auto& kv : actual.as_object())
            ak.insert(kv.key());
        CHECK_MESSAGE(ek == ak, path << ": " << json::serialize(expected) << " vs " << json::serialize(actual));
        for (const auto& kv : expected.as_object()) {
            const json::value* a = actual.as_object().if_contains(kv.key());
            if (!a || volatile_keys.count(kv.key()))
                continue;
            same_shape(kv.value(), *a, path + "." + std::string(kv.key()));
        }
    } else if (expected.is_array()) {
        REQUIRE_MESSAGE(actual.is_array(), path);
        REQUIRE_MESSAGE(expected.as_array().size() == actual.as_array().size(), path << ": " << json::serialize(actual));
        for (std::size_t i = 0; i < expected.as_array().size(); ++i)
            same_shape(expected.as_array()[i], actual.as_array()[i], path + "[" + std::to_string(i) + "]");
    } else {
        CHECK_MESSAGE(expected == actual, path << ": " << json::serialize(expected) << " vs " << json::serialize(actual));
    }
}

json::object cost(const json::object& r) { return r.at("extensions").at("cost").as_object(); }

void same_cost(const json::value& expected, const json::object& actual, bool with_actual = true)
{
    const auto& e = expected.at("extensions").at("cost");
    CHECK(e.at("requestedQueryCost") == cost(actual).at("requestedQueryCost"));
    if (with_actual)
        CHECK(e.at("actualQueryCost") == cost(actual).at("actualQueryCost"));
}

} // namespace

// Fixtures replayed (tests/data/shopify): customer-create-missing-input, -inline-missing-input,
// -inline-null-input, -input-id-rejected, customer-set-custom-id (customerSet/readback cases),
// customers-count, customer-input-validation-parity (create/update scenarios),
// customer-set-parity, customer-set-unknown-id-errors, customer-set-email-upsert-when-id-absent,
// customer-delete-blocked-by-orders, customer-email-marketing-consent-update-parity.
// Not replayed: bulk-operation-*, webhook-subscription-*, store-credit-*, customer-merge-*,
// customer-address-* (address mutations), customer-account-page-*, customer-add/remove/replace-
// tax-exemptions, customer-invite-*, order-related (customer-order-summary-*), eventbridge/gcp,
// and response-only captures without their request (customer-detail, customers-catalog,
// customers-search, customers-sort-keys, customers-advanced-search, customers-relevance-search,
// customer-nested-subresources): the emulator does not serve those roots or the request is unknown.
TEST_CASE("fixture replay: validation and variable errors")
{
    manual_clock clock;
    emulator em(clock);
    for (const char* f : {"2025-01/customer-create-missing-input.json", "2025-01/customer-create-inline-missing-input.json",
                          "2025-01/customer-create-inline-null-input.json", "2025-01/customer-create-input-id-rejected.json"}) {
        CAPTURE(f);
        json::value fx = load(f);
        json::object r = gql(em, std::string(fx.at("query").as_string()), fx.at("variables"));
        const json::value& expected = fx.at("mutation").at("response");
        if (expected.as_object().contains("errors")) {
            // Locations are compared too: the parser reports Shopify's positions.
            CHECK(json::serialize(r.at("errors").at(0).at("message")) == json::serialize(expected.at("errors").at(0).at("message")));
            CHECK(json::serialize(r.at("errors").at(0).at("extensions")) == json::serialize(expected.at("errors").at(0).at("extensions")));
            if (expected.at("errors").at(0).as_object().contains("path"))
                CHECK(json::serialize(r.at("errors").at(0).at("path")) == json::serialize(expected.at("errors").at(0).at("path")));
        } else {
            same_shape(expected.at("data"), r.at("data"));
            same_cost(expected, r);
        }
    }
}

TEST_CASE("fixture replay: customersCount search warnings")
{
    manual_clock clock;
    emulator em(clock);
    em.seed(12, 3);
    json::value fx = load("2025-01/customers-count.json");
    json::object r = gql(em, R"({ total: customersCount { count precision }
        matching: customersCount(query: "email:grace@example.com") { count precision }
        disabled: customersCount(query: "state:DISABLED") { count precision } })");
    CHECK(json::serialize(r.at("extensions").at("search")) == json::serialize(fx.at("extensions").at("search")));
    same_cost(fx, r);
    CHECK(r.at("data").at("matching").at("count") == 12); // ignored terms count everyone
}

TEST_CASE("fixture replay: customerCreate/customerUpdate validation userErrors")
{
    manual_clock clock;
    emulator em(clock);
    json::value fx = load("2025-01/customer-input-validation-parity.json");
    const std::string create = "mutation($input: CustomerInput!) { customerCreate(input: $input) { customer { id } userErrors { field message } } }";
    const std::string update = "mutation($input: CustomerInput!) { customerUpdate(input: $input) { customer { id } userErrors { field message } } }";
    std::map<std::string, std::string> live_to_local;
    for (const char* pre : {"primary", "duplicateTarget"}) {
        const auto& p = fx.at("preconditions").at(pre);
        json::object r = gql(em, create, p.at("variables"));
        live_to_local[std::string(p.at("id").as_string())] = std::string(r.at("data").at("customerCreate").at("customer").at("id").as_string());
    }
    for (const auto& kv : fx.at("createScenarios").as_object()) {
        CAPTURE(std::string(kv.key()));
        json::object r = gql(em, create, kv.value().at("variables"));
        same_shape(kv.value().at("response").at("data").at("customerCreate").at("userErrors"),
                   r.at("data").at("customerCreate").at("userErrors"));
    }
    for (const auto& kv : fx.at("updateScenarios").as_object()) {
        CAPTURE(std::string(kv.key()));
        const auto& base = kv.value().at("baseCustomer");
        json::object made = gql(em, create, json::object{{"input", json::object{{"email", base.at("email")}, {"phone", base.at("phone")},
                                                                                  {"firstName", "Hermes"}}}});
        json::object input = kv.value().at("variables").at("input").as_object();
        input["id"] = made.at("data").at("customerCreate").at("customer").at("id");
        json::object r = gql(em, update, json::object{{"input", input}});
        same_shape(kv.value().at("response").at("data").at("customerUpdate").at("userErrors"),
                   r.at("data").at("customerUpdate").at("userErrors"));
    }
}

TEST_CASE("fixture replay: customerSet identifier semantics")
{
    manual_clock clock;
    emulator em(clock);
    json::value fx = load("2026-04/customer-set-parity.json");
    std::string doc = load_text("documents/customer-set-parity.graphql");
    json::object created = gql(em, doc, fx.at("mutation").at("variables"));
    same_shape(fx.at("mutation").at("response").at("data"), created.at("data"));
    same_cost(fx.at("mutation").at("response"), created);
    json::value created_id = created.at("data").at("customerSet").at("customer").at("id");

    json::object upsert = gql(em, doc, fx.at("upsert").at("variables"));
    same_shape(fx.at("upsert").at("response").at("data"), upsert.at("data"));
    json::object by_email = gql(em, doc, fx.at("updateByEmail").at("variables"));
    CHECK(by_email.at("data").at("customerSet").at("customer").at("id") == upsert.at("data").at("customerSet").at("customer").at("id"));
    same_shape(fx.at("updateByEmail").at("response").at("data"), by_email.at("data"));
    json::object phone = gql(em, doc, fx.at("phoneUpsert").at("variables"));
    same_shape(fx.at("phoneUpsert").at("response").at("data"), phone.at("data"));
    json::object phone_update = gql(em, doc, fx.at("phoneUpdate").at("variables"));
    same_shape(fx.at("phoneUpdate").at("response").at("data"), phone_update.at("data"));

    json::object update_vars = fx.at("update").at("variables").as_object();
    update_vars["identifier"] = json::object{{"id", created_id}};
    json::object update = gql(em, doc, update_vars);
    same_shape(fx.at("update").at("response").at("data"), update.at("data"));
    json::object multi_vars = fx.at("multiAddressReplacement").at("variables").as_object();
    multi_vars["identifier"] = json::object{{"id", created_id}};
    json::object multi = gql(em, doc, multi_vars);
    same_shape(fx.at("multiAddressReplacement").at("response").at("data"), multi.at("data"));

    for (const char* k : {"missingIdentity", "unknownId", "duplicateEmail", "duplicatePhone", "missingIdentifierEmail",
                          "mismatchedIdentifierEmail", "customId"}) {
        CAPTURE(k);
        const auto& c = fx.at("validation").at(k);
        json::object r = gql(em, doc, c.at("variables"));
        if (c.at("response").as_object().contains("errors")) {
            CHECK(json::serialize(r.at("errors").at(0).at("message")) == json::serialize(c.at("response").at("errors").at(0).at("message")));
            CHECK(json::serialize(r.at("errors").at(0).at("path")) == json::serialize(c.at("response").at("errors").at(0).at("path")));
            CHECK(r.at("data").at("customerSet").is_null());
        } else {
            same_shape(c.at("response").at("data"), r.at("data"));
        }
        same_cost(c.at("response"), r);
    }
    json::value unknown = load("2026-04/customer-set-unknown-id-errors.json").at("cases").at("unknownId");
    json::object r = gql(em, std::string(unknown.at("request").at("query").as_string()), unknown.at("request").at("variables"));
    same_shape(unknown.at("response").at("data"), r.at("data"));
    same_cost(unknown.at("response"), r);
    for (const auto& kv : fx.at("validation").at("idNotAllowed").as_object()) {
        json::object rr = gql(em, std::string(unknown.at("request").at("query").as_string()), kv.value().at("variables"));
        same_shape(kv.value().at("response").at("data"), rr.at("data"));
    }
    json::value email_create = load("2026-04/customer-set-email-upsert-when-id-absent.json").at("cases").at("emailCreate");
    json::object ec = gql(em, std::string(email_create.at("request").at("query").as_string()), email_create.at("request").at("variables"));
    same_shape(email_create.at("response").at("data"), ec.at("data"));
    same_cost(email_create.at("response"), ec);
}

TEST_CASE("fixture replay: customerSet with a custom id metafield")
{
    manual_clock clock;
    emulator em(clock);
    json::value fx = load("2026-04/customer-set-custom-id.json");
    const auto& cases = fx.at("cases");
    for (const char* k : {"missingDefinition"}) {
        const auto& c = cases.at("validations").at(k);
        json::object r = gql(em, std::string(c.at("request").at("query").as_string()), c.at("request").at("variables"));
        same_shape(c.at("response"), r);
    }
    em.define_custom_id("custom_set_mrevnqnt", "external_id");
    for (const char* k : {"createNoMatch", "updateMatching", "readBack"}) {
        CAPTURE(k);
        const auto& c = cases.at(k);
        json::object vars = c.at("request").at("variables").as_object();
        if (vars.contains("customerId"))
            vars["customerId"] = gql(em, "{ customers(first: 1) { nodes { id } } }").at("data").at("customers").at("nodes").at(0).at("id");
        json::object r = gql(em, std::string(c.at("request").at("query").as_string()), vars);
        same_shape(c.at("response").at("data"), r.at("data"));
        CHECK(cost(r).at("requestedQueryCost") == c.at("response").at("extensions").at("cost").at("requestedQueryCost"));
    }
    for (const char* k : {"mismatch", "malformed"}) {
        const auto& c = cases.at("validations").at(k);
        json::object r = gql(em, std::string(c.at("request").at("query").as_string()), c.at("request").at("variables"));
        CHECK(json::serialize(r.at("errors")) == json::serialize(c.at("response").at("errors")));
    }
}

TEST_CASE("fixture replay: delete blocked by orders and consent update")
{
    manual_clock clock;
    emulator em(clock);
    json::value fx = load("2025-01/customer-delete-blocked-by-orders.json");
    auto made = em.create_customer(json::object{{"email", "blocked@example.com"}, {"firstName", "Blocked"}, {"numberOfOrders", 1}});
    REQUIRE(made.has_value());
    json::object r = gql(em, load_text("documents/customer-delete.graphql"),
                         json::object{{"input", json::object{{"id", made->at("id")}}}});
    same_shape(fx.at("expected").at("customerDelete").at("data"), r.at("data"));
    same_cost(fx.at("expected").at("customerDelete"), r);
    CHECK(r.at("data").at("customerDelete").at("userErrors").at(0).at("message") ==
          "Customer can\u2019t be deleted because they have associated orders");

    json::value consent = load("2026-04/customer-email-marketing-consent-update-parity.json");
    std::string doc = load_text("documents/customer-email-marketing-consent-update.graphql");
    auto c = em.create_customer(json::object{{"email", "hermes-consent-1777088218567@example.com"}, {"firstName", "Hermes"},
                                             {"lastName", "Consent"}, {"phone", "+14155558567"}});
    REQUIRE(c.has_value());
    json::object vars = consent.at("mutation").at("variables").as_object();
    vars["input"].as_object()["customerId"] = c->at("id");
    json::object u = gql(em, doc, vars);
    same_shape(consent.at("mutation").at("response").at("data"), u.at("data"));
    same_cost(consent.at("mutation").at("response"), u);
    CHECK(u.at("data").at("customerEmailMarketingConsentUpdate").at("customer").at("defaultEmailAddress").at("marketingUpdatedAt") ==
          "2026-04-25T01:00:00Z");
    json::object unknown = gql(em, doc, consent.at("validation").at("unknownCustomer").at("variables"));
    same_shape(consent.at("validation").at("unknownCustomer").at("response").at("data"), unknown.at("data"));
    same_cost(consent.at("validation").at("unknownCustomer").at("response"), unknown);
}

TEST_CASE("paging 600 customers by updated_at sees each exactly once - boundary inclusive - index lag")
{
    manual_clock clock;
    emulator em(clock);
    em.seed(600, 7);
    const std::string q = R"(query($q: String!, $after: String) { customers(first: 250, after: $after, query: $q, sortKey: UPDATED_AT) {
        pageInfo { hasNextPage endCursor } nodes { id updatedAt } } })";
    std::set<std::string> seen;
    json::value after = nullptr;
    int pages = 0;
    for (;;) {
        json::object r = gql(em, q, json::object{{"q", "updated_at:>='2000-01-01T00:00:00Z'"}, {"after", after}});
        const auto& conn = r.at("data").at("customers");
        for (const auto& n : conn.at("nodes").as_array())
            CHECK(seen.insert(std::string(n.at("id").as_string())).second);
        ++pages;
        if (!conn.at("pageInfo").at("hasNextPage").as_bool())
            break;
        after = conn.at("pageInfo").at("endCursor");
    }
    CHECK(seen.size() == 600);
    CHECK(pages == 3);

    auto edited = em.update_customer(std::stoull(std::string(em.list_customers().at(10).at("legacyResourceId").as_string())),
                                     json::object{{"note", "edited"}});
    REQUIRE(edited.has_value());
    std::string stamp(edited->at("updatedAt").as_string());
    json::object boundary = gql(em, q, json::object{{"q", "updated_at:>='" + stamp + "'"}, {"after", nullptr}});
    CHECK(boundary.at("data").at("customers").at("nodes").as_array().size() == 1);
    json::object strict = gql(em, q, json::object{{"q", "updated_at:>'" + stamp + "'"}, {"after", nullptr}});
    CHECK(strict.at("data").at("customers").at("nodes").as_array().empty());

    em.set_index_lag(crmsync::milliseconds(5000));
    clock.advance(crmsync::milliseconds(2000));
    auto later = em.update_customer(std::stoull(std::string(em.list_customers().at(20).at("legacyResourceId").as_string())),
                                    json::object{{"note", "lagged"}});
    REQUIRE(later.has_value());
    std::string fresh = "updated_at:>='" + std::string(later->at("updatedAt").as_string()) + "'";
    CHECK(gql(em, q, json::object{{"q", fresh}, {"after", nullptr}}).at("data").at("customers").at("nodes").as_array().empty());
    clock.advance(crmsync::milliseconds(4999));
    CHECK(gql(em, q, json::object{{"q", fresh}, {"after", nullptr}}).at("data").at("customers").at("nodes").as_array().empty());
    clock.advance(crmsync::milliseconds(1));
    CHECK(gql(em, q, json::object{{"q", fresh}, {"after", nullptr}}).at("data").at("customers").at("nodes").as_array().size() == 1);
}

TEST_CASE("throttling drains the bucket, answers THROTTLED and recovers with time")
{
    manual_clock clock;
    emulator em(clock);
    em.seed(5, 1);
    const std::string big = "{ customers(first: 250) { nodes { id defaultEmailAddress { emailAddress } } } }"; // 2 + 11*2 = 24
    json::object first = gql(em, big);
    CHECK(cost(first).at("requestedQueryCost") == 24);
    CHECK(cost(first).at("actualQueryCost") == 2 + 3 * 2);
    CHECK(cost(first).at("throttleStatus").at("currentlyAvailable") == 2000 - 8);
    em.set_limits({100, 10, true});
    json::object a = gql(em, big);
    json::object b = gql(em, big);
    CHECK(!b.contains("errors"));
    int throttled = 0;
    json::object t;
    for (int i = 0; i < 20 && !throttled; ++i) {
        t = gql(em, big);
        if (t.contains("errors"))
            ++throttled;
    }
    REQUIRE(throttled == 1);
    CHECK(t.at("errors").at(0).at("extensions").at("code") == "THROTTLED");
    CHECK(t.at("errors").at(0).at("message") == "Throttled");
    CHECK(cost(t).at("actualQueryCost").is_null());
    CHECK(cost(t).at("requestedQueryCost") == 24);
    CHECK(cost(t).at("throttleStatus").at("maximumAvailable") == 100);
    CHECK(cost(t).at("throttleStatus").at("restoreRate") == 10);
    CHECK(cost(t).at("throttleStatus").at("currentlyAvailable").as_int64() < 24);
    clock.advance(crmsync::milliseconds(2500));
    CHECK(!gql(em, big).contains("errors"));
    CHECK(em.stats().throttled == 1);

    std::string heavy;
    for (const char* alias : {"a", "b", "c", "d"})
        heavy += std::string(alias) + ": customers(first: 250) { nodes { addressesV2(first: 250) { nodes { id } } "
                 "metafields(first: 250) { nodes { id } } } } ";
    json::object over = gql(em, "{ " + heavy + "}");
    CHECK(over.at("errors").at(0).at("extensions").at("code") == "MAX_COST_EXCEEDED");
    CHECK(over.at("errors").at(0).at("extensions").at("cost") == 4 * (2 + 11 * (1 + 13 + 13)));
    CHECK(over.at("errors").at(0).at("message").as_string().starts_with(
        "Query cost is 1196, which exceeds the single query max cost limit (1000)."));
}

TEST_CASE("customerUpdate rejects consent - duplicate email - delete without orders - updatedAt bumps")
{
    manual_clock clock;
    emulator em(clock);
    const std::string create = "mutation($i: CustomerInput!) { customerCreate(input: $i) { customer { id updatedAt tags } userErrors { field message } } }";
    json::object a = gql(em, create, json::parse(R"({"i":{"email":"a@example.com","tags":["b","A","a"]}})"));
    CHECK(json::serialize(a.at("data").at("customerCreate").at("customer").at("tags")) == R"(["A","b"])");
    json::object dup = gql(em, create, json::parse(R"({"i":{"email":"A@Example.com "}})"));
    CHECK(json::serialize(dup.at("data").at("customerCreate").at("userErrors")) ==
          R"([{"field":["email"],"message":"Email has already been taken"}])");
    json::value id = a.at("data").at("customerCreate").at("customer").at("id");
    json::object u = gql(em, "mutation($i: CustomerInput!) { customerUpdate(input: $i) { customer { id } userErrors { field message } } }",
                         json::object{{"i", json::object{{"id", id}, {"emailMarketingConsent", json::object{{"marketingState", "SUBSCRIBED"}}}}}});
    CHECK(json::serialize(u.at("data").at("customerUpdate")) ==
          R"({"customer":null,"userErrors":[{"field":["emailMarketingConsent"],"message":"To update emailMarketingConsent, please use the customerEmailMarketingConsentUpdate Mutation instead"}]})");
    clock.advance(crmsync::milliseconds(3000));
    json::object ok = gql(em, "mutation($i: CustomerInput!) { customerUpdate(input: $i) { customer { updatedAt } } }",
                          json::object{{"i", json::object{{"id", id}, {"note", "x"}}}});
    CHECK(ok.at("data").at("customerUpdate").at("customer").at("updatedAt") != a.at("data").at("customerCreate").at("customer").at("updatedAt"));
    json::object del = gql(em, "mutation($i: CustomerDeleteInput!) { customerDelete(input: $i) { deletedCustomerId userErrors { message } } }",
                           json::object{{"i", json::object{{"id", id}}}});
    CHECK(del.at("data").at("customerDelete").at("deletedCustomerId") == id);
    CHECK(gql(em, "query($id: ID!) { customer(id: $id) { id } }", json::object{{"id", id}}).at("data").at("customer").is_null());
    CHECK(em.stats().writes == 3);
}

TEST_CASE("HTTP surface: auth, versions, bad JSON, unknown paths, faults")
{
    manual_clock clock;
    emulator em(clock);
    auto unauth = post(em, R"({"query":"{ customersCount { count } }"})", "2026-10", "wrong");
    CHECK(unauth.response.status == 401);
    CHECK(unauth.response.body == R"x({"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"})x");
    CHECK(post(em, R"({"query":"{ customersCount { count } }"})", "2026-10", "").response.status == 401);

    auto old = post(em, R"({"query":"{ customersCount { count } }"})", "2025-01");
    CHECK(old.response.status == 200);
    CHECK(old.response.headers.get("X-Shopify-API-Version") == "2026-01");
    CHECK(old.response.headers.get("X-Request-Id").has_value());
    CHECK(post(em, R"({"query":"{ customersCount { count } }"})", "2026-07").response.headers.get("X-Shopify-API-Version") == "2026-07");
    CHECK(post(em, R"({"query":"{ customersCount { count } }"})", "latest").response.status == 404);

    auto bad = post(em, "{not json");
    CHECK(bad.response.status == 400);
    CHECK(bad.response.body == R"({"errors":{"query":"Required parameter missing or invalid"}})");

    crmsync::http_server_request other;
    other.method = "GET";
    other.target = "/admin/api/2026-10/customers.json";
    CHECK(call(em, other).response.status == 404);

    em.faults().add({.kind = crmsync::sandbox::fault_kind::http_503, .remaining = 1});
    CHECK(post(em, R"({"query":"{ customersCount { count } }"})").response.status == 503);
    em.faults().add({.kind = crmsync::sandbox::fault_kind::apply_then_fail, .remaining = 1, .writes_only = true});
    auto lost = post(em, R"({"query":"mutation { customerCreate(input: {email: \"x@example.com\"}) { userErrors { message } } }"})");
    CHECK(lost.fault == crmsync::reply_fault::reset_before_reply);
    CHECK(em.customer_count() == 1); // the write happened
    em.faults().add({.kind = crmsync::sandbox::fault_kind::malformed_json, .remaining = 1});
    auto broken = post(em, R"({"query":"{ customersCount { count } }"})");
    boost::system::error_code ec;
    json::parse(broken.response.body, ec);
    CHECK(ec);

    crmsync::http_server_request seed;
    seed.method = "POST";
    seed.target = "/_sandbox/seed";
    seed.body = R"({"count": 20, "seed": 4})";
    CHECK(call(em, seed).response.status == 200);
    CHECK(em.customer_count() == 21);
    crmsync::http_server_request stats;
    stats.method = "GET";
    stats.target = "/_sandbox/stats";
    auto s = json::parse(call(em, stats).response.body);
    CHECK(s.at("writes") == 1);
    CHECK(s.at("errors").at("auth") == 2);
}
