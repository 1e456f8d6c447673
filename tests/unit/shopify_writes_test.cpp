// shopify_connector::apply() and prepare() writing customers: the real connector and HTTP client
// against the Shopify emulator served by a real http_server on 127.0.0.1:0, one io_context driven
// by the test thread (no sleeping).

#include "connectors/shopify/connector.hpp"
#include "core/http_client.hpp"
#include "core/http_server.hpp"
#include "sandbox/shopify/emulator.hpp"
#include "tests/fakes/http_test_loop.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <set>

using namespace crmsync;
namespace json = boost::json;

namespace {

class shop {
public:
    explicit shop(bool writes = true)
        : server_(io_.get_executor(), http_server_settings{},
                  [this](http_server_request& r) { return emulator_.handle(r); })
    {
        REQUIRE(server_.start());
        http_ = make_http_client(io_.get_executor());
        shopify::settings s;
        s.shop = "writes.myshopify.com";
        s.base_url = "http://127.0.0.1:" + std::to_string(server_.port());
        s.access_token = "shpat_sandbox_token";
        connector_ = std::make_unique<shopify::shopify_connector>(
            io_.get_executor(), s, *http_, system_clock(), shopify::connector_options{.max_share = 0.8, .writes = writes},
            std::make_shared<spdlog::logger>("shopify", std::make_shared<spdlog::sinks::null_sink_mt>()));
    }

    sandbox::shopify::emulator& em() { return emulator_; }
    shopify::shopify_connector& conn() { return *connector_; }

    std::vector<write_result> apply(const std::vector<write_op>& ops)
    {
        auto r = test::run_task(io_, connector_->apply(ops));
        REQUIRE(r);
        REQUIRE(r->size() == ops.size());
        return std::move(*r);
    }

    outcome<void> prepare()
    {
        auto r = test::run_task(io_, connector_->prepare());
        REQUIRE(r);
        return std::move(*r);
    }

    // A GraphQL call straight to the emulator (inspection and setup the control API lacks).
    json::object gql(const std::string& query, json::object variables = {})
    {
        http_server_request req;
        req.method = "POST";
        req.target = "/admin/api/2026-10/graphql.json";
        req.headers.add("Content-Type", "application/json");
        req.headers.add("X-Shopify-Access-Token", "shpat_sandbox_token");
        req.body = json::serialize(json::object{{"query", query}, {"variables", std::move(variables)}});
        auto r = test::run_task(io_, emulator_.handle(req));
        REQUIRE(r);
        auto body = json::parse(r->response.body).as_object();
        REQUIRE_MESSAGE(!body.contains("errors"), json::serialize(body));
        return body.at("data").as_object();
    }

    std::string make_customer(json::object fields)
    {
        auto c = emulator_.create_customer(fields);
        REQUIRE(c.has_value());
        return std::string(c->at("legacyResourceId").as_string());
    }

    json::object customer(const std::string& id)
    {
        auto c = emulator_.get_customer(std::stoull(id));
        REQUIRE(c.has_value());
        return c->as_object();
    }

    json::array addresses(const std::string& id)
    {
        return gql("query($id: ID!) { customer(id: $id) { addressesV2(first: 10) { nodes { id city address1 } } } }",
                   json::object{{"id", "gid://shopify/Customer/" + id}})
            .at("customer").at("addressesV2").at("nodes").as_array();
    }

private:
    boost::asio::io_context io_{1};
    sandbox::shopify::emulator emulator_{system_clock()};
    http_server server_;
    http_client_ptr http_;
    std::unique_ptr<shopify::shopify_connector> connector_;
};

write_op create(std::int64_t op_id, std::string peer, field_map fields)
{
    write_op op;
    op.op_id = op_id;
    op.kind = write_kind::create;
    op.peer_id = std::move(peer);
    op.fields = std::move(fields);
    return op;
}

write_op update(std::int64_t op_id, std::string id, field_map fields)
{
    write_op op;
    op.op_id = op_id;
    op.kind = write_kind::update;
    op.target_id = std::move(id);
    op.fields = std::move(fields);
    return op;
}

write_op remove(std::int64_t op_id, std::string id)
{
    write_op op;
    op.op_id = op_id;
    op.kind = write_kind::remove;
    op.target_id = std::move(id);
    return op;
}

void require_prepared(shop& s)
{
    auto r = s.prepare();
    REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().message));
}

std::string crm_id_of(shop& s, const std::string& id)
{
    auto c = s.gql(R"(query($id: ID!) { customer(id: $id) { metafield(namespace: "crmsync", key: "crm_id") { type value } } })",
                   json::object{{"id", "gid://shopify/Customer/" + id}});
    const auto& m = c.at("customer").at("metafield");
    REQUIRE(m.is_object());
    CHECK(m.at("type") == "id");
    return std::string(m.at("value").as_string());
}

std::size_t definitions(shop& s)
{
    return s.gql(R"({ metafieldDefinitions(ownerType: CUSTOMER, namespace: "crmsync", key: "crm_id", first: 5) { nodes { id } } })")
        .at("metafieldDefinitions").at("nodes").as_array().size();
}

} // namespace

TEST_CASE("prepare() creates the custom id definition once, and only when writing")
{
    shop reader(false);
    require_prepared(reader);
    CHECK(definitions(reader) == 0);

    shop s;
    require_prepared(s);
    CHECK(definitions(s) == 1);
    auto d = s.gql(R"({ metafieldDefinitions(ownerType: CUSTOMER, namespace: "crmsync", key: "crm_id", first: 1) {
        nodes { type { name } capabilities { uniqueValues { enabled } } } } })");
    CHECK(json::serialize(d.at("metafieldDefinitions").at("nodes").at(0)) == R"({"type":{"name":"id"},"capabilities":{"uniqueValues":{"enabled":true}}})");
    const auto writes = s.em().stats().writes;
    require_prepared(s);
    CHECK(definitions(s) == 1);
    CHECK(s.em().stats().writes == writes);

    shop wrong;
    wrong.gql(R"(mutation { metafieldDefinitionCreate(definition: {ownerType: CUSTOMER, namespace: "crmsync", key: "crm_id",
        name: "x", type: "single_line_text_field"}) { userErrors { message } } })");
    auto refused = wrong.prepare();
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().kind == failure_kind::permanent);
    CHECK(refused.error().message.find("crmsync.crm_id exists but is not of type 'id'") != std::string::npos);
}

TEST_CASE("create upserts on the CRM id: a retry finds the customer instead of duplicating it")
{
    shop s;
    require_prepared(s);
    field_map fields{{"email", "ada@example.com"}, {"firstName", "Ada"}, {"lastName", "Lovelace"}, {"tags", "vip, b2b"},
                     {"defaultAddress.city", "London"}, {"defaultAddress.countryCode", "gb"}, {"emailMarketingState", "SUBSCRIBED"}};
    auto first = s.apply({create(1, "crm-1", fields)});
    REQUIRE_MESSAGE(!first[0].error, first[0].error->message);
    CHECK(first[0].op_id == 1);
    const std::string id = first[0].id;
    CHECK(crm_id_of(s, id) == "crm-1");
    auto c = s.customer(id);
    CHECK(c.at("firstName") == "Ada");
    CHECK(json::serialize(c.at("tags")) == R"(["b2b","vip"])");
    CHECK(c.at("defaultAddress").at("city") == "London");
    CHECK(c.at("defaultAddress").at("countryCodeV2") == "GB");
    CHECK(c.at("defaultEmailAddress").at("marketingState") == "SUBSCRIBED");

    auto again = s.apply({create(2, "crm-1", fields)});
    REQUIRE_MESSAGE(!again[0].error, again[0].error->message);
    CHECK(again[0].id == id);
    CHECK(s.em().customer_count() == 1);
    CHECK(s.addresses(id).size() == 1); // the address was updated, not added again
}

TEST_CASE("a lost response (applied, then the connection drops) is retried without a duplicate")
{
    shop s;
    require_prepared(s);
    s.em().faults().add({.kind = sandbox::fault_kind::apply_then_fail, .remaining = 1, .writes_only = true});
    auto lost = s.apply({create(1, "crm-7", {{"email", "lost@example.com"}, {"firstName", "Lost"}})});
    REQUIRE(lost[0].error);
    CHECK(lost[0].error->kind == failure_kind::retry);
    CHECK(s.em().customer_count() == 1); // Shopify did create it
    auto retried = s.apply({create(1, "crm-7", {{"email", "lost@example.com"}, {"firstName", "Lost"}})});
    REQUIRE_MESSAGE(!retried[0].error, retried[0].error->message);
    CHECK(s.em().customer_count() == 1);
    CHECK(crm_id_of(s, retried[0].id) == "crm-7");
}

TEST_CASE("a retried create finds what an earlier attempt made and does not overwrite a person's edit")
{
    shop s;
    require_prepared(s);
    s.em().faults().add({.kind = sandbox::fault_kind::apply_then_fail, .remaining = 1, .writes_only = true});
    auto lost = s.apply({create(1, "crm-9", {{"email", "edit@example.com"}, {"firstName", "Old"}})});
    REQUIRE(lost[0].error);
    // A person edits the customer the lost attempt created, before the engine retries.
    auto all = s.em().list_customers();
    REQUIRE(all.size() == 1);
    auto id = std::stoull(std::string(all[0].as_object().at("legacyResourceId").as_string()));
    REQUIRE(s.em().update_customer(id, json::object{{"firstName", "Edited"}}).has_value());
    auto op = create(1, "crm-9", {{"email", "edit@example.com"}, {"firstName", "Old"}});
    op.retry = true;
    auto retried = s.apply({op});
    REQUIRE(retried[0].error);
    CHECK(retried[0].existing_id == std::to_string(id));
    CHECK(s.em().customer_count() == 1);
    CHECK(s.customer(std::to_string(id)).at("firstName") == "Edited");
}

TEST_CASE("a create meeting a taken e-mail or phone reports the holder as existing_id")
{
    shop s;
    require_prepared(s);
    const std::string holder = s.make_customer(json::object{{"email", "taken@example.com"}, {"firstName", "Holder"}});
    const std::string phone_holder = s.make_customer(json::object{{"phone", "+16135550100"}, {"firstName", "Phone"}});
    auto r = s.apply({create(5, "crm-5", {{"email", "Taken@Example.com"}, {"firstName", "Second"}}),
                      create(6, "crm-6", {{"phone", "+1 613 555 0100"}, {"firstName", "Third"}})});
    REQUIRE(r[0].error);
    CHECK(r[0].error->kind == failure_kind::permanent);
    CHECK(r[0].existing_id == holder);
    CHECK(r[0].error->message.find("CRM record crm-5") != std::string::npos);
    CHECK(r[0].error->message.find("Email has already been taken") != std::string::npos);
    CHECK(r[0].error->message.find("aken@") == std::string::npos); // no e-mail in messages
    REQUIRE(r[1].error);
    CHECK(r[1].existing_id == phone_holder);
    CHECK(s.em().customer_count() == 2);
}

TEST_CASE("a create without a CRM id upserts by e-mail")
{
    shop s;
    const std::string existing = s.make_customer(json::object{{"email", "plain@example.com"}, {"firstName", "Old"}});
    auto r = s.apply({create(1, "", {{"email", "plain@example.com"}, {"firstName", "New"}}),
                      create(2, "", {{"firstName", "Nameless"}})});
    REQUIRE_MESSAGE(!r[0].error, r[0].error->message);
    CHECK(r[0].id == existing);
    CHECK(s.customer(existing).at("firstName") == "New");
    REQUIRE_MESSAGE(!r[1].error, r[1].error->message);
    CHECK(s.em().customer_count() == 2);
}

TEST_CASE("update writes profile fields, clears empty ones and replaces the tag set")
{
    shop s;
    const std::string id = s.make_customer(json::object{{"email", "grace@example.com"}, {"firstName", "Grace"},
                                                        {"lastName", "Hopper"}, {"note", "admiral"},
                                                        {"tags", json::array{"old", "navy"}}});
    auto r = s.apply({update(1, id, {{"firstName", "Amazing Grace"}, {"note", ""}, {"tags", "cobol, Navy"}, {"locale", "fr"},
                                     {"phone", "+16135550199"}})});
    REQUIRE_MESSAGE(!r[0].error, r[0].error->message);
    CHECK(r[0].id == id);
    auto c = s.customer(id);
    CHECK(c.at("firstName") == "Amazing Grace");
    CHECK(c.at("lastName") == "Hopper");
    CHECK(c.at("note").is_null());
    CHECK(c.at("locale") == "fr");
    CHECK(c.at("phone") == "+16135550199");
    CHECK(json::serialize(c.at("tags")) == R"(["cobol","Navy"])");
    auto cleared = s.apply({update(2, id, {{"tags", ""}, {"lastName", ""}})});
    REQUIRE_MESSAGE(!cleared[0].error, cleared[0].error->message);
    CHECK(s.customer(id).at("tags").as_array().empty());
    CHECK(s.customer(id).at("lastName").is_null());

    auto gone = s.apply({update(3, "999", {{"firstName", "Nobody"}}), update(4, "998", {{"defaultAddress.city", "Nowhere"}})});
    REQUIRE(gone[0].error);
    CHECK(gone[0].error->kind == failure_kind::permanent);
    CHECK(gone[0].error->message.find("customer 999") != std::string::npos);
    CHECK(gone[0].error->message.find("Customer does not exist") != std::string::npos);
    REQUIRE(gone[1].error);
    CHECK(gone[1].error->message.find("Customer does not exist") != std::string::npos);

    auto read_only = s.apply({update(5, id, {{"numberOfOrders", "3"}})});
    REQUIRE(read_only[0].error);
    CHECK(read_only[0].error->message.find("'numberOfOrders' is read-only") != std::string::npos);
}

TEST_CASE("the default address is updated or created in place - other addresses stay")
{
    shop s;
    const std::string id = s.make_customer(json::object{{"email", "addr@example.com"}, {"firstName", "Addr"}});
    auto created = s.apply({update(1, id, {{"defaultAddress.address1", "1 Main St"}, {"defaultAddress.city", "Ottawa"},
                                           {"defaultAddress.countryCode", "CA"}, {"defaultAddress.provinceCode", "ON"}})});
    REQUIRE_MESSAGE(!created[0].error, created[0].error->message);
    REQUIRE(s.addresses(id).size() == 1);
    CHECK(s.customer(id).at("defaultAddress").at("province") == "Ontario");
    // A second, non-default address (made in the Shopify admin) must survive our writes.
    s.gql(R"(mutation($id: ID!) { customerAddressCreate(customerId: $id, address: {address1: "2 Side St", city: "Toronto"},
          setAsDefault: false) { userErrors { message } } })",
          json::object{{"id", "gid://shopify/Customer/" + id}});
    REQUIRE(s.addresses(id).size() == 2);
    auto moved = s.apply({update(2, id, {{"defaultAddress.city", "Kingston"}, {"defaultAddress.address2", ""}})});
    REQUIRE_MESSAGE(!moved[0].error, moved[0].error->message);
    auto list = s.addresses(id);
    REQUIRE(list.size() == 2);
    std::set<std::string> cities;
    for (const auto& a : list)
        cities.insert(std::string(a.at("city").as_string()));
    CHECK(cities == std::set<std::string>{"Kingston", "Toronto"});
    CHECK(s.customer(id).at("defaultAddress").at("address1") == "1 Main St");
    CHECK(s.customer(id).at("defaultAddress").at("city") == "Kingston");
}

TEST_CASE("consent goes through the consent mutations, after the profile, with the states the input accepts")
{
    shop s;
    const std::string id = s.make_customer(json::object{{"firstName", "Consent"}, {"phone", "+16135550123"}});
    // The e-mail arrives in the same op: consent must be written after it.
    auto r = s.apply({update(1, id, {{"email", "consent@example.com"}, {"emailMarketingState", "pending"},
                                     {"smsMarketingState", "SUBSCRIBED"}})});
    REQUIRE_MESSAGE(!r[0].error, r[0].error->message);
    auto c = s.customer(id);
    CHECK(c.at("defaultEmailAddress").at("marketingState") == "PENDING");
    CHECK(c.at("defaultEmailAddress").at("marketingOptInLevel") == "CONFIRMED_OPT_IN");
    CHECK(c.at("defaultPhoneNumber").at("marketingState") == "SUBSCRIBED");
    auto un = s.apply({update(2, id, {{"emailMarketingState", "UNSUBSCRIBED"}})});
    REQUIRE_MESSAGE(!un[0].error, un[0].error->message);
    CHECK(s.customer(id).at("defaultEmailAddress").at("marketingState") == "UNSUBSCRIBED");

    const auto writes = s.em().stats().writes;
    auto refused = s.apply({update(3, id, {{"firstName", "Changed"}, {"emailMarketingState", "NOT_SUBSCRIBED"}})});
    REQUIRE(refused[0].error);
    CHECK(refused[0].error->kind == failure_kind::permanent);
    CHECK(refused[0].error->message.find("only SUBSCRIBED, UNSUBSCRIBED or PENDING") != std::string::npos);
    CHECK(s.em().stats().writes == writes); // nothing half-written
    CHECK(s.customer(id).at("firstName") == "Consent");
}

TEST_CASE("remove deletes, tags customers with orders instead, and accepts one already gone")
{
    shop s;
    const std::string plain = s.make_customer(json::object{{"email", "bye@example.com"}});
    const std::string buyer = s.make_customer(json::object{{"email", "buyer@example.com"}, {"numberOfOrders", 2},
                                                           {"tags", json::array{"loyal"}}});
    auto r = s.apply({remove(1, plain), remove(2, buyer)});
    REQUIRE_MESSAGE(!r[0].error, r[0].error->message);
    REQUIRE_MESSAGE(!r[1].error, r[1].error->message);
    CHECK_FALSE(s.em().get_customer(std::stoull(plain)).has_value());
    CHECK(json::serialize(s.customer(buyer).at("tags")) == R"(["crmsync-deleted-in-crm","loyal"])");
    auto again = s.apply({remove(3, plain)});
    CHECK_FALSE(again[0].error);
}

TEST_CASE("a batch is split into requests of ten - one op's failure leaves the others written")
{
    shop s;
    require_prepared(s);
    std::vector<write_op> ops;
    for (int i = 0; i < 12; ++i)
        ops.push_back(create(i, "crm-b" + std::to_string(i),
                             {{"email", "batch" + std::to_string(i) + "@example.com"}, {"firstName", "B"}}));
    ops[4].fields["email"] = "not-an-email";
    const auto before = s.em().stats().mutations;
    auto r = s.apply(ops);
    CHECK(s.em().stats().mutations - before == 2);
    for (std::size_t i = 0; i < r.size(); ++i) {
        CAPTURE(i);
        CHECK(r[i].op_id == static_cast<std::int64_t>(i));
        if (i == 4) {
            REQUIRE(r[i].error);
            CHECK(r[i].error->kind == failure_kind::permanent);
            CHECK(r[i].error->message.find("email: Email is invalid") != std::string::npos);
            CHECK(r[i].error->message.find("not-an-email") == std::string::npos);
        } else {
            CHECK_MESSAGE(!r[i].error, r[i].error->message);
        }
    }
    CHECK(s.em().customer_count() == 11);

    // A value the schema refuses fails the whole document; the connector pins it on its op.
    const std::string a = s.make_customer(json::object{{"email", "a@example.com"}});
    const std::string b = s.make_customer(json::object{{"email", "b@example.com"}});
    auto mixed = s.apply({update(20, a, {{"defaultAddress.countryCode", "XX"}}), update(21, b, {{"note", "fine"}})});
    REQUIRE(mixed[0].error);
    CHECK(mixed[0].error->kind == failure_kind::permanent);
    CHECK(mixed[0].error->message.find("customer " + a) != std::string::npos);
    CHECK_MESSAGE(!mixed[1].error, mixed[1].error->message);
    CHECK(s.customer(b).at("note") == "fine");
}

TEST_CASE("without the custom id definition a create fails alone - the rest of its request is written")
{
    shop s(false);
    const std::string a = s.make_customer(json::object{{"email", "nodef@example.com"}});
    auto r = s.apply({create(1, "crm-n", {{"email", "new@example.com"}}), update(2, a, {{"note", "kept"}})});
    REQUIRE(r[0].error);
    CHECK(r[0].error->kind == failure_kind::permanent);
    CHECK(r[0].error->message.find("Metafield definition of type 'id' is required") != std::string::npos);
    CHECK_MESSAGE(!r[1].error, r[1].error->message);
    CHECK(s.customer(a).at("note") == "kept");
    CHECK(s.em().customer_count() == 1);
}

TEST_CASE("transport and throttling failures come back for every op of the request")
{
    shop s;
    const std::string a = s.make_customer(json::object{{"email", "t1@example.com"}});
    const std::string b = s.make_customer(json::object{{"email", "t2@example.com"}});
    s.em().faults().add({.kind = sandbox::fault_kind::http_503, .remaining = 1});
    auto r = s.apply({update(1, a, {{"note", "x"}}), update(2, b, {{"note", "y"}})});
    for (const auto& w : r) {
        REQUIRE(w.error);
        CHECK(w.error->kind == failure_kind::retry);
    }
    CHECK(s.customer(a).at("note").is_null());
    s.em().faults().add({.kind = sandbox::fault_kind::throttled, .remaining = 1});
    auto throttled = s.apply({update(3, a, {{"note", "x"}}), remove(4, b)});
    for (const auto& w : throttled) {
        REQUIRE(w.error);
        CHECK(w.error->kind == failure_kind::retry);
        CHECK(w.error->message.find("throttled") != std::string::npos);
    }
    CHECK(s.em().customer_count() == 2);
}
