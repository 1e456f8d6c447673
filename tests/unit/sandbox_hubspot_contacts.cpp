// HubSpot emulator: contact CRUD, uniqueness, property validation, batches and the Properties API.
#include "tests/unit/sandbox_hubspot_harness.hpp"

#include <doctest/doctest.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <regex>
#include <set>

namespace {

using boost::json::array;
using boost::json::object;
using namespace hs_test;

const std::string v3 = "/crm/v3/objects/contacts";
const std::string dated = "/crm/objects/2026-09/contacts";

object create_body(object props)
{
    return object{{"properties", std::move(props)}, {"associations", array{}}};
}

std::string create(harness& h, const std::string& email, const std::string& first = "Jane")
{
    const auto r = h.post(v3, create_body(object{{"email", email}, {"firstname", first}}));
    REQUIRE_MESSAGE(r.status == 201, r.body);
    return str(r.json, "id");
}

void add_shopify_id_property(harness& h)
{
    const auto r = h.post("/crm/v3/properties/contacts",
                          object{{"groupName", "contactinformation"}, {"name", "shopify_customer_id"},
                                 {"label", "Shopify customer ID"}, {"type", "string"}, {"fieldType", "text"},
                                 {"hasUniqueValue", true}});
    REQUIRE_MESSAGE(r.status == 201, r.body);
}

array inputs_of(std::initializer_list<object> items)
{
    array a;
    for (const auto& i : items)
        a.push_back(i);
    return a;
}

} // namespace

TEST_CASE("create then read then update then archive a contact")
{
    harness h;
    const auto created = h.post(v3, create_body(object{{"email", "  Jane.Doe@Example.COM "}, {"firstname", "Jane"},
                                                       {"phone", "+14155550100"}}));
    REQUIRE(created.status == 201);
    const std::string id = str(created.json, "id");
    CHECK(std::stoull(id) > 0xFFFFFFFFULL); // ids beyond 32 bits, like real portals
    CHECK(prop(created.json, "email") == "jane.doe@example.com");
    CHECK(prop(created.json, "hs_object_id") == id);
    const std::string t0 = prop(created.json, "createdate");
    CHECK(std::regex_match(t0, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
    CHECK(prop(created.json, "lastmodifieddate") == t0);
    CHECK(str(created.json, "createdAt") == t0);

    h.clock.advance(std::chrono::milliseconds(1500));
    const auto updated = h.patch(v3 + "/" + id, object{{"properties", object{{"firstname", "Janet"}, {"phone", ""}}}});
    REQUIRE(updated.status == 200);
    CHECK(prop(updated.json, "firstname") == "Janet");
    CHECK(prop(updated.json, "email") == "jane.doe@example.com"); // untouched
    CHECK(prop(updated.json, "lastmodifieddate") > t0);
    CHECK(str(updated.json, "updatedAt") == prop(updated.json, "lastmodifieddate"));

    // A cleared property is omitted on /v3/ and null on dated paths.
    const auto v3_get = h.get(v3 + "/" + id + "?properties=phone,firstname");
    CHECK_FALSE(v3_get.obj().at("properties").as_object().contains("phone"));
    const auto dated_get = h.get(dated + "/" + id + "?properties=phone,firstname");
    CHECK(dated_get.obj().at("properties").as_object().at("phone").is_null());

    // Even a write that changes nothing restamps lastmodifieddate.
    const std::string t1 = prop(updated.json, "lastmodifieddate");
    h.clock.advance(std::chrono::milliseconds(10));
    const auto same = h.patch(v3 + "/" + id, object{{"properties", object{{"firstname", "Janet"}}}});
    CHECK(prop(same.json, "lastmodifieddate") > t1);

    CHECK(h.get(v3 + "/JANE.DOE%40example.com?idProperty=email").status == 200);
    CHECK(h.get(v3 + "/nobody%40example.com?idProperty=email").status == 404);
    CHECK(h.get(v3 + "/" + id + "?idProperty=phone").status == 400);

    CHECK(h.del(v3 + "/" + id).status == 204);
    const auto gone = h.get(v3 + "/" + id);
    CHECK(gone.status == 404);
    CHECK(str(gone.json, "category") == "OBJECT_NOT_FOUND");
    const auto archived = h.get(v3 + "/" + id + "?archived=true");
    REQUIRE(archived.status == 200);
    CHECK(archived.obj().at("archived").as_bool());
    CHECK(archived.obj().contains("archivedAt"));
    CHECK(h.get(v3).obj().at("results").as_array().empty());
    CHECK(h.get(v3 + "?archived=true").obj().at("results").as_array().size() == 1);
    CHECK(h.patch(v3 + "/" + id, object{{"properties", object{{"city", "Oslo"}}}}).status == 404);
    // The archived contact's email is free again.
    CHECK(h.post(v3, create_body(object{{"email", "jane.doe@example.com"}})).status == 201);
}

TEST_CASE("a duplicate email answers 409 CONFLICT with the existing id in the message")
{
    harness h;
    const std::string a = create(h, "ada@example.com");
    const auto dup = h.post(v3, create_body(object{{"email", "ADA@example.com"}}));
    CHECK(dup.status == 409);
    CHECK(str(dup.json, "message") == "Contact already exists. Existing ID: " + a);
    CHECK(str(dup.json, "category") == "CONFLICT");
    CHECK(str(dup.json, "status") == "error");
    CHECK(std::regex_match(str(dup.json, "correlationId"),
                           std::regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")));

    const std::string b = create(h, "bob@example.com");
    const auto taken = h.patch(v3 + "/" + b, object{{"properties", object{{"email", "ada@example.com"}}}});
    CHECK(taken.status == 409);
    CHECK(str(taken.json, "message") == "Contact already exists. Existing ID: " + a);

    // Additional emails are unique identifiers too.
    REQUIRE(h.em.edit_contact(a, {{"hs_additional_emails", "ada.alt@example.com"}}).has_value());
    const auto alt = h.post(v3, create_body(object{{"email", "Ada.Alt@example.com"}}));
    CHECK(alt.status == 409);
    CHECK(str(alt.json, "message") == "Contact already exists. Existing ID: " + a);
    CHECK(h.em.counts().live == 2);
}

TEST_CASE("unknown or read-only or malformed property values fail with VALIDATION_ERROR")
{
    harness h;
    const auto unknown = h.post(v3, create_body(object{{"email", "x@example.com"}, {"favourite_colour", "blue"}}));
    CHECK(unknown.status == 400);
    CHECK(str(unknown.json, "category") == "VALIDATION_ERROR");
    const std::string msg = str(unknown.json, "message");
    CHECK(msg.starts_with("Property values were not valid: "));
    CHECK(msg.find("PROPERTY_DOESNT_EXIST") != std::string::npos);
    CHECK(msg.find("favourite_colour") != std::string::npos);
    CHECK(str(unknown.obj().at("errors").as_array().at(0), "code") == "PROPERTY_DOESNT_EXIST");
    CHECK(h.em.counts().live == 0);

    const std::string id = create(h, "x@example.com");
    auto rejects = [&](object props, const std::string& code) {
        const auto r = h.patch(v3 + "/" + id, object{{"properties", std::move(props)}});
        CHECK(r.status == 400);
        CHECK(r.body.find(code) != std::string::npos);
    };
    rejects(object{{"hs_object_id", "1"}}, "READ_ONLY_VALUE");
    rejects(object{{"lastmodifieddate", "1777593600000"}}, "READ_ONLY_VALUE");
    rejects(object{{"hs_merged_object_ids", "1"}}, "READ_ONLY_VALUE");
    rejects(object{{"email", "not-an-email"}}, "INVALID_EMAIL");
    rejects(object{{"lifecyclestage", "bogus"}}, "INVALID_OPTION");

    REQUIRE(h.em.create_property(R"({"name":"orders","label":"Orders","type":"number","fieldType":"number",
                                     "groupName":"contactinformation"})").has_value());
    REQUIRE(h.em.create_property(R"({"name":"last_order_at","label":"Last order","type":"datetime",
                                     "fieldType":"date","groupName":"contactinformation"})").has_value());
    rejects(object{{"orders", "twelve"}}, "INVALID_INTEGER");
    const auto ok = h.patch(v3 + "/" + id, object{{"properties", object{{"orders", "12"},
                                                                      {"last_order_at", "1777593600000"}}}});
    REQUIRE(ok.status == 200);
    CHECK(prop(ok.json, "last_order_at") == "2026-05-01T00:00:00.000Z");

    // lifecyclestage moves forward only; clearing it first allows moving back (notes §3.5).
    CHECK(h.patch(v3 + "/" + id, object{{"properties", object{{"lifecyclestage", "customer"}}}}).status == 200);
    rejects(object{{"lifecyclestage", "lead"}}, "INVALID_OPTION");
    CHECK(h.patch(v3 + "/" + id, object{{"properties", object{{"lifecyclestage", ""}}}}).status == 200);
    CHECK(h.patch(v3 + "/" + id, object{{"properties", object{{"lifecyclestage", "lead"}}}}).status == 200);

    CHECK(h.call("POST", v3, "{not json").status == 400);
}

TEST_CASE("list pages by record id with at most 100 per page and the default properties")
{
    harness h;
    const auto ids = h.em.seed(150, 7);
    const auto first = h.get(v3 + "?limit=500");
    REQUIRE(first.status == 200);
    const auto& results = first.obj().at("results").as_array();
    CHECK(results.size() == 100);
    const std::string after(first.obj().at("paging").at("next").at("after").as_string());
    CHECK(after == ids[100]);
    const std::set<std::string> expected{"createdate", "email", "firstname", "hs_object_id", "lastmodifieddate",
                                         "lastname"};
    std::set<std::string> got;
    for (const auto& [k, v] : results.at(0).at("properties").as_object())
        got.insert(std::string(k));
    CHECK(got == expected);
    const auto second = h.get(v3 + "?limit=100&after=" + after);
    CHECK(second.obj().at("results").as_array().size() == 50);
    CHECK_FALSE(second.obj().contains("paging"));
    CHECK(str(second.obj().at("results").as_array().at(0), "id") == ids[100]);
}

TEST_CASE("batch upsert by email creates or updates and reports new")
{
    harness h;
    const std::string jane = create(h, "jane@example.com");
    const auto body = object{{"inputs", inputs_of({object{{"id", "JANE@example.com"}, {"idProperty", "email"},
                                                          {"properties", object{{"firstname", "Janet"}}}},
                                                   object{{"id", "bob@example.com"}, {"idProperty", "email"},
                                                          {"properties", object{{"firstname", "Bob"}}}}})}};
    const auto r = h.post(v3 + "/batch/upsert", body);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    const auto& results = r.obj().at("results").as_array();
    REQUIRE(results.size() == 2);
    CHECK(str(results[0], "id") == jane);
    CHECK_FALSE(results[0].at("new").as_bool());
    CHECK(prop(results[0], "firstname") == "Janet");
    CHECK(results[1].at("new").as_bool());
    CHECK(prop(results[1], "email") == "bob@example.com");
    CHECK(str(r.json, "status") == "COMPLETE");

    const auto again = h.post(v3 + "/batch/upsert", body);
    CHECK_FALSE(again.obj().at("results").as_array()[1].at("new").as_bool());
    CHECK(h.em.counts().live == 2);
}

TEST_CASE("batch upsert by a unique custom property with one idProperty per request")
{
    harness h;
    add_shopify_id_property(h);
    auto upsert = [&](array inputs) { return h.post(v3 + "/batch/upsert", object{{"inputs", std::move(inputs)}}); };
    const auto created = upsert(inputs_of({object{{"id", "7412345678901"}, {"idProperty", "shopify_customer_id"},
                                                  {"properties", object{{"email", "bob@example.com"}}}}}));
    REQUIRE_MESSAGE(created.status == 200, created.body);
    const auto& first = created.obj().at("results").as_array()[0];
    CHECK(first.at("new").as_bool());
    CHECK(prop(first, "shopify_customer_id") == "7412345678901");
    const auto updated = upsert(inputs_of({object{{"id", "7412345678901"}, {"idProperty", "shopify_customer_id"},
                                                  {"properties", object{{"firstname", "Bobby"}}}}}));
    const auto& second = updated.obj().at("results").as_array()[0];
    CHECK_FALSE(second.at("new").as_bool());
    CHECK(str(second, "id") == str(first, "id"));

    // The unique value is enforced on plain creates too.
    const auto dup = h.post(v3, create_body(object{{"shopify_customer_id", "7412345678901"}}));
    CHECK(dup.status == 409);
    CHECK(str(dup.json, "message").find("Existing ID: " + str(first, "id")) != std::string::npos);

    const auto by_phone = upsert(inputs_of({object{{"id", "+14155550100"}, {"idProperty", "phone"},
                                                   {"properties", object{{"firstname", "P"}}}}}));
    CHECK(by_phone.status == 400);
    CHECK(str(by_phone.json, "message") == "Unable to perform update/upsert by non-unique 0-1 property phone");
    const auto mixed = upsert(inputs_of({object{{"id", "1"}, {"idProperty", "shopify_customer_id"},
                                                {"properties", object{}}},
                                         object{{"id", "c@example.com"}, {"idProperty", "email"},
                                                {"properties", object{}}}}));
    CHECK(mixed.status == 400);
    const auto twice = upsert(inputs_of({object{{"id", "9"}, {"idProperty", "shopify_customer_id"}, {"properties", object{}}},
                                         object{{"id", "9"}, {"idProperty", "shopify_customer_id"}, {"properties", object{}}}}));
    CHECK(twice.status == 400);

    // Creating through the custom key with an email owned by someone else conflicts, and the batch
    // is all-or-nothing without objectWriteTraceIds.
    const auto clash = upsert(inputs_of({object{{"id", "555"}, {"idProperty", "shopify_customer_id"},
                                                {"properties", object{{"email", "new@example.com"}}}},
                                         object{{"id", "556"}, {"idProperty", "shopify_customer_id"},
                                                {"properties", object{{"email", "BOB@example.com"}}}}}));
    CHECK(clash.status == 409);
    CHECK(h.em.counts().live == 1);
}

TEST_CASE("batch create: the first conflict fails the batch unless unique objectWriteTraceIds ask for multi-status")
{
    harness h;
    const std::string a = create(h, "a@example.com");
    auto input = [](const std::string& email, std::optional<std::string> trace) {
        object o{{"properties", object{{"email", email}}}, {"associations", array{}}};
        if (trace)
            o["objectWriteTraceId"] = *trace;
        return o;
    };
    const auto whole = h.post(v3 + "/batch/create", object{{"inputs", inputs_of({input("x@example.com", {}),
                                                                                  input("a@example.com", {})})}});
    CHECK(whole.status == 409);
    CHECK(str(whole.json, "message") == "Contact already exists. Existing ID: " + a);
    CHECK(h.em.counts().live == 1);

    const auto same_trace = h.post(v3 + "/batch/create", object{{"inputs", inputs_of({input("x@example.com", "t"),
                                                                                       input("a@example.com", "t")})}});
    CHECK(same_trace.status == 409); // trace ids must be unique to enable multi-status

    const auto multi = h.post(v3 + "/batch/create", object{{"inputs", inputs_of({input("x@example.com", "t1"),
                                                                                  input("a@example.com", "t2")})}});
    REQUIRE(multi.status == 207);
    const auto& results = multi.obj().at("results").as_array();
    REQUIRE(results.size() == 1);
    CHECK(str(results[0], "objectWriteTraceId") == "t1");
    CHECK(multi.obj().at("numErrors").as_int64() == 1);
    const auto& err = multi.obj().at("errors").as_array().at(0);
    CHECK(str(err, "category") == "CONFLICT");
    CHECK(err.at("context").at("objectWriteTraceId").as_array().at(0).as_string() == "t2");
    CHECK(h.em.counts().live == 2);
}

TEST_CASE("batch update and read: unknown ids give 207 while validation errors fail the whole batch")
{
    harness h;
    const std::string a = create(h, "a@example.com");
    const auto partial = h.post(v3 + "/batch/update",
                                object{{"inputs", inputs_of({object{{"id", a}, {"properties", object{{"city", "Oslo"}}}},
                                                             object{{"id", "999"}, {"properties", object{{"city", "Rome"}}}}})}});
    REQUIRE(partial.status == 207);
    CHECK(prop(partial.obj().at("results").as_array().at(0), "city") == "Oslo");
    const auto& err = partial.obj().at("errors").as_array().at(0);
    CHECK(str(err, "category") == "OBJECT_NOT_FOUND");
    CHECK(err.at("context").at("ids").as_array().at(0).as_string() == "999");

    const auto invalid = h.post(v3 + "/batch/update",
                                object{{"inputs", inputs_of({object{{"id", a}, {"properties", object{{"nope", "x"}}}}})}});
    CHECK(invalid.status == 400);
    CHECK(h.post(v3 + "/batch/update", object{{"inputs", inputs_of({object{{"id", a}, {"properties", object{{"zip", "1"}}}}})}})
              .status == 200);

    const auto read = h.post(v3 + "/batch/read", object{{"inputs", inputs_of({object{{"id", a}}, object{{"id", "42"}}})},
                                                        {"properties", array{"city"}},
                                                        {"propertiesWithHistory", array{}}});
    CHECK(read.status == 207);
    CHECK(prop(read.obj().at("results").as_array().at(0), "city") == "Oslo");
    CHECK(str(read.obj().at("errors").as_array().at(0), "message") ==
          "Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.");
    const auto by_email = h.post(v3 + "/batch/read", object{{"idProperty", "email"},
                                                            {"inputs", inputs_of({object{{"id", "A@example.com"}}})},
                                                            {"properties", array{"email"}},
                                                            {"propertiesWithHistory", array{}}});
    CHECK(by_email.status == 200);
    CHECK(str(by_email.obj().at("results").as_array().at(0), "id") == a);
}

TEST_CASE("batch requests are limited to 100 inputs")
{
    harness h;
    array reads;
    array creates;
    for (int i = 0; i < 101; ++i) {
        reads.push_back(object{{"id", std::to_string(1000 + i)}});
        creates.push_back(create_body(object{{"email", "p" + std::to_string(i) + "@example.com"}}));
    }
    const auto over = h.post(v3 + "/batch/create", object{{"inputs", creates}});
    CHECK(over.status == 400);
    CHECK(str(over.json, "category") == "VALIDATION_ERROR");
    CHECK(h.em.counts().live == 0);
    CHECK(h.post(v3 + "/batch/read", object{{"inputs", reads}, {"properties", array{}}}).status == 400);
    creates.pop_back();
    CHECK(h.post(v3 + "/batch/create", object{{"inputs", creates}}).status == 201);
    CHECK(h.em.counts().live == 100);
}

TEST_CASE("the Properties API lists the defaults and validates new properties")
{
    harness h;
    const std::string base = "/crm/properties/2026-09/contacts";
    const auto list = h.get(base);
    REQUIRE(list.status == 200);
    std::map<std::string, bool> read_only;
    for (const auto& p : list.obj().at("results").as_array())
        read_only[str(p, "name")] = p.at("modificationMetadata").at("readOnlyValue").as_bool();
    for (const char* name : {"email", "firstname", "lastname", "phone", "mobilephone", "company", "address", "city",
                             "state", "zip", "country", "jobtitle", "website", "lifecyclestage"}) {
        CAPTURE(name);
        REQUIRE(read_only.contains(name));
        CHECK_FALSE(read_only[name]);
    }
    for (const char* name : {"createdate", "lastmodifieddate", "hs_object_id", "hs_merged_object_ids",
                             "hs_additional_emails"}) {
        CAPTURE(name);
        REQUIRE(read_only.contains(name));
        CHECK(read_only[name]);
    }
    auto create_prop = [&](object body) { return h.post(base, body); };
    object ok{{"name", "shopify_tags"}, {"label", "Tags"}, {"type", "string"}, {"fieldType", "textarea"},
              {"groupName", "contactinformation"}};
    auto missing = ok;
    missing.erase("groupName");
    const auto m = create_prop(missing);
    CHECK(m.status == 400);
    CHECK(str(m.json, "message").find("groupName") != std::string::npos);
    auto mismatch = ok;
    mismatch["type"] = "number";
    CHECK(create_prop(mismatch).status == 400);
    auto no_group = ok;
    no_group["groupName"] = "shopify";
    CHECK(create_prop(no_group).status == 400);
    CHECK(h.post(base + "/groups", object{{"name", "shopify"}, {"label", "Shopify"}}).status == 201);
    CHECK(h.post(base + "/groups", object{{"name", "shopify"}, {"label", "Shopify"}}).status == 409);
    CHECK(create_prop(no_group).status == 201);
    CHECK(create_prop(no_group).status == 409);
    CHECK(h.get(base + "/shopify_tags").status == 200);
    CHECK(h.post(v3, create_body(object{{"shopify_tags", "vip, wholesale"}})).status == 201);

    for (int i = 0; i < 10; ++i) {
        auto u = ok;
        u["name"] = "unique_" + std::to_string(i);
        u["hasUniqueValue"] = true;
        CHECK(create_prop(u).status == 201);
    }
    auto eleventh = ok;
    eleventh["name"] = "unique_10";
    eleventh["hasUniqueValue"] = true;
    CHECK(create_prop(eleventh).status == 400); // at most 10 unique properties per object
    CHECK(h.del(base + "/email").status == 400); // HubSpot-defined properties cannot be archived
    CHECK(h.del(base + "/shopify_tags").status == 204);
    CHECK(h.post(v3, create_body(object{{"shopify_tags", "x"}})).status == 400);
}
