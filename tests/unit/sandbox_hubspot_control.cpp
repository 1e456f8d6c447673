// HubSpot emulator: fault injection, the control API (C++ and HTTP), seeding and property history.
#include "tests/unit/sandbox_hubspot_harness.hpp"

#include <doctest/doctest.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <set>

namespace {

using boost::json::array;
using boost::json::object;
using namespace hs_test;

const std::string v3 = "/crm/v3/objects/contacts";

object create_body(const std::string& email)
{
    return object{{"properties", object{{"email", email}}}, {"associations", array{}}};
}

crmsync::sandbox::fault_rule rule(crmsync::sandbox::fault_kind k, std::int64_t times = 1)
{
    crmsync::sandbox::fault_rule r;
    r.kind = k;
    r.remaining = times;
    return r;
}

} // namespace

TEST_CASE("faults before the data: nothing is written")
{
    using crmsync::sandbox::fault_kind;
    harness h;
    h.em.faults().add(rule(fault_kind::http_503));
    const auto unavailable = h.post(v3, create_body("a@example.com"));
    CHECK(unavailable.status == 503);
    CHECK(unavailable.header("Content-Type") == "text/html");
    CHECK(h.em.counts().live == 0);

    h.em.faults().add(rule(fault_kind::http_500));
    const auto internal = h.post(v3, create_body("a@example.com"));
    CHECK(internal.status == 500);
    CHECK(str(internal.json, "message") == "internal error");
    CHECK(h.em.counts().live == 0);

    auto throttle = rule(fault_kind::http_429);
    throttle.retry_after = std::chrono::milliseconds(2500);
    h.em.faults().add(throttle);
    const auto limited = h.post(v3, create_body("a@example.com"));
    CHECK(limited.status == 429);
    CHECK(limited.header("Retry-After") == "3");
    CHECK(str(limited.json, "policyName") == "TEN_SECONDLY_ROLLING");

    h.em.faults().add(rule(fault_kind::reset));
    CHECK(h.post(v3, create_body("a@example.com")).fault == crmsync::reply_fault::reset_before_reply);
    CHECK(h.em.counts().live == 0);

    auto stall = rule(fault_kind::stall);
    stall.delay = std::chrono::milliseconds(5);
    h.em.faults().add(stall);
    CHECK(h.post(v3, create_body("a@example.com")).status == 201); // answered after the stall
    CHECK(h.em.counts().live == 1);

    const auto s = h.em.stats();
    CHECK(s.faults_injected == 5);
    CHECK(s.throttled.at("FAULT") == 1);
    CHECK(s.errors_by_status.at(503) == 1);
}

TEST_CASE("faults after the data: the write happened but the answer is lost or broken")
{
    using crmsync::sandbox::fault_kind;
    harness h;
    h.em.faults().add(rule(fault_kind::apply_then_fail));
    CHECK(h.post(v3, create_body("a@example.com")).fault == crmsync::reply_fault::reset_before_reply);
    CHECK(h.em.counts().live == 1);

    h.em.faults().add(rule(fault_kind::malformed_json));
    const auto broken = h.post(v3, create_body("b@example.com"));
    CHECK(broken.status == 201);
    CHECK(broken.json.is_null()); // not parseable
    CHECK_FALSE(broken.body.empty());
    CHECK(h.em.counts().live == 2);

    auto slow = rule(fault_kind::slow_body);
    slow.delay = std::chrono::milliseconds(50);
    h.em.faults().add(slow);
    const auto r = h.get(v3);
    CHECK(r.status == 200);
    CHECK(r.fault == crmsync::reply_fault::slow_body);

    // Path prefix and writes-only rules leave other requests alone.
    auto writes = rule(fault_kind::http_502, -1);
    writes.writes_only = true;
    writes.path_prefix = "/crm/v3/objects/contacts/batch";
    h.em.faults().add(writes);
    CHECK(h.get(v3).status == 200);
    CHECK(h.post(v3, create_body("c@example.com")).status == 201);
    CHECK(h.post(v3 + "/batch/read", object{{"inputs", array{}}}).status == 200); // a read, despite POST
    CHECK(h.post(v3 + "/batch/create", object{{"inputs", array{}}}).status == 502);
    h.em.faults().clear();
    CHECK(h.post(v3 + "/batch/create", object{{"inputs", array{}}}).status == 201);
}

TEST_CASE("seeding is deterministic and realistic")
{
    harness one;
    harness two;
    const auto ids = one.em.seed(200, 42);
    two.em.seed(200, 42);
    const auto a = one.em.list_contacts();
    const auto b = two.em.list_contacts();
    REQUIRE(a.size() == 200);
    REQUIRE(b.size() == 200);
    std::set<std::string> emails;
    int without_phone = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        CHECK(a[i].properties == b[i].properties);
        CHECK(a[i].id == ids[i]);
        emails.insert(a[i].properties.at("email"));
        without_phone += a[i].properties.contains("phone") ? 0 : 1;
        CHECK(a[i].created_at <= a[i].updated_at);
        CHECK(a[i].properties.at("hs_object_source") == "IMPORT");
    }
    CHECK(emails.size() == 200);
    CHECK(without_phone > 10);
    CHECK(without_phone < 80);
    // Seeding again never reuses an email.
    one.em.seed(200, 42);
    std::set<std::string> all;
    for (const auto& c : one.em.list_contacts())
        all.insert(c.properties.at("email"));
    CHECK(all.size() == 400);
}

TEST_CASE("people's edits and API writes are told apart in property history")
{
    harness h;
    const auto created = h.post(v3, create_body("h@example.com"));
    const std::string id = str(created.json, "id");
    CHECK(prop(created.json, "hs_object_source") == "INTEGRATION");
    h.clock.advance(std::chrono::milliseconds(2000));
    const auto edited = h.em.edit_contact(id, {{"firstname", "Hedy"}});
    REQUIRE(edited.has_value());
    CHECK(edited->updated_at > edited->created_at);
    h.clock.advance(std::chrono::milliseconds(2000));
    REQUIRE(h.patch(v3 + "/" + id, object{{"properties", object{{"firstname", "Hedwig"}}}}).status == 200);
    const auto r = h.get(v3 + "/" + id + "?propertiesWithHistory=firstname");
    const auto& history = r.obj().at("propertiesWithHistory").at("firstname").as_array();
    REQUIRE(history.size() == 2);
    CHECK(str(history[0], "value") == "Hedwig");
    CHECK(str(history[0], "sourceType") == "INTEGRATION");
    CHECK(str(history[0], "sourceId") == hubspot::options{}.app_id);
    CHECK(str(history[1], "value") == "Hedy");
    CHECK(str(history[1], "sourceType") == "CRM_UI");
    CHECK(str(history[1], "sourceId") == "userId:" + hubspot::options{}.user_id);
    CHECK(str(history[1], "timestamp") < str(history[0], "timestamp"));

    // People may not set read-only values either, except additional emails.
    CHECK_FALSE(h.em.edit_contact(id, {{"hs_object_id", "5"}}).has_value());
    CHECK(h.em.edit_contact(id, {{"hs_additional_emails", "hedy@example.org"}}).has_value());
    CHECK_FALSE(h.em.archive_contact("123").has_value());
}

TEST_CASE("the HTTP control API")
{
    harness h;
    auto control = [&](const std::string& method, const std::string& path, const std::string& body = {}) {
        return h.call(method, "/_sandbox/" + path, body, std::nullopt);
    };
    const auto seeded = control("POST", "seed", R"({"count":5,"seed":9})");
    REQUIRE(seeded.status == 201);
    CHECK(seeded.obj().at("ids").as_array().size() == 5);
    const auto created = control("POST", "contacts", R"({"properties":{"email":"P@Example.com","firstname":"Pat"}})");
    REQUIRE(created.status == 201);
    const std::string id = str(created.json, "id");
    CHECK(created.obj().at("properties").at("email").as_string() == "p@example.com");
    CHECK(control("POST", "contacts", R"({"properties":{"email":"p@example.com"}})").status == 409);
    CHECK(control("PATCH", "contacts/" + id, R"({"properties":{"city":"Lagos"}})").status == 200);
    CHECK(control("GET", "contacts/" + id).obj().at("properties").at("city").as_string() == "Lagos");
    CHECK(control("GET", "contacts").obj().at("results").as_array().size() == 6);
    CHECK(control("DELETE", "contacts/" + id).status == 204);
    CHECK(control("GET", "contacts?archived=true").obj().at("results").as_array().size() == 6);
    CHECK(control("GET", "counts").obj().at("archived").as_int64() == 1);

    CHECK(control("POST", "properties",
                  R"({"name":"shopify_customer_id","label":"Shopify id","type":"string","fieldType":"text",
                      "groupName":"contactinformation","hasUniqueValue":true})")
              .status == 201);
    CHECK(control("PUT", "index-lag", R"({"ms":1000})").status == 200);
    CHECK(control("POST", "faults", R"({"kind":"504","remaining":1})").status == 201);
    CHECK(control("POST", "faults", R"({"kind":"bogus"})").status == 400);
    CHECK(h.get(v3).status == 504);
    CHECK(h.get(v3).status == 200);

    const auto stats = control("GET", "stats");
    CHECK(stats.obj().at("requests").as_int64() == 2);
    CHECK(stats.obj().at("reads").as_int64() == 1);
    CHECK(stats.obj().at("errors_by_status").at("504").as_int64() == 1);

    CHECK(control("POST", "reset").status == 204);
    CHECK(control("GET", "counts").obj().at("live").as_int64() == 0);
    CHECK(control("GET", "stats").obj().at("requests").as_int64() == 0);
    CHECK(h.get("/crm/v3/properties/contacts/shopify_customer_id").status == 404);
    CHECK(control("GET", "nowhere").status == 404);
    CHECK(control("POST", "seed", "not json").status == 400);
}
