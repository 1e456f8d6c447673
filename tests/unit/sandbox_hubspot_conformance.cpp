// Holds the HubSpot emulator to HubSpot's OpenAPI specs (copied into tests/data/hubspot/openapi):
// every request the tests send is validated against the operation's request schema, every answer
// against the declared response schema (or `default` = Error for failures), on both path styles.
#include "tests/unit/sandbox_hubspot_harness.hpp"
#include "tests/unit/sandbox_hubspot_schema.hpp"

#include <doctest/doctest.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <set>

namespace {

using boost::json::array;
using boost::json::object;
using boost::json::value;
using namespace hs_test;

const std::string spec_dir = CRMSYNC_SOURCE_DIR "/tests/data/hubspot/openapi/";

struct style_case {
    std::string objects; // base path of the contacts API
    std::string props;   // base path of the properties API
    std::string spec;    // contacts spec file
};

const style_case styles[] = {
    {"/crm/v3/objects/contacts", "/crm/v3/properties/contacts", "contacts-v3.json"},
    {"/crm/objects/2026-09/contacts", "/crm/properties/2026-09/contacts", "contacts-2026-09.json"},
    {"/crm/objects/2026-09/0-1", "/crm/properties/2026-09/0-1", "contacts-2026-09.json"},
    {"/crm/objects/2026-03/contacts", "/crm/properties/2026-03/contacts", "contacts-2026-09.json"},
};

// Spec paths for a concrete path: 2026-03 shares the 2026-09 operations (see their operationIds);
// there is no v3 properties spec in the repo, so /crm/v3/properties is checked against 2026-09.
std::string spec_path(std::string path)
{
    path = path.substr(0, path.find('?'));
    if (path.starts_with("/crm/v3/properties/"))
        path = "/crm/properties/2026-09/" + path.substr(19);
    if (const auto at = path.find("/2026-03/"); at != std::string::npos)
        path.replace(at, 9, "/2026-09/");
    return path;
}

class conformance {
public:
    explicit conformance(const style_case& s)
        : style(s), contacts(spec_dir + s.spec), properties(spec_dir + "properties-2026-09.json")
    {
    }

    // Sends a request (checked against the spec unless `conforming_request` is false) and checks the
    // status and the answer against the spec.
    response exchange(const std::string& method, const std::string& target, const std::optional<value>& body,
                      int expected_status, bool conforming_request = true,
                      const std::optional<std::string>& bearer = token)
    {
        const auto path = spec_path(target);
        const openapi_spec& spec = path.starts_with("/crm/properties/") ? properties : contacts;
        const boost::json::object* op = spec.operation(method, path);
        INFO(method << " " << target);
        REQUIRE_MESSAGE(op != nullptr, "no operation in " << style.spec << " for " << method << " " << path);
        if (body && conforming_request) {
            const auto schema = spec.request_schema(*op);
            REQUIRE(schema);
            const auto errors = spec.validate(*body, *schema, "request");
            CHECK_MESSAGE(errors.empty(), "request does not conform: " << (errors.empty() ? "" : errors.front()));
        }
        const response r = h.call(method, target, body ? boost::json::serialize(*body) : std::string(), bearer);
        CHECK_MESSAGE(r.status == expected_status, "body: " << r.body);
        bool declared = false;
        int schema_status = r.status;
        if (r.status == 207 && !op->at("responses").as_object().contains("207"))
            // 2026-09 folds partial failures into the 200/201 schema (notes §3.6).
            schema_status = op->at("responses").as_object().contains("201") ? 201 : 200;
        const auto schema = spec.response_schema(*op, schema_status, declared);
        if (r.status < 300)
            CHECK_MESSAGE(declared, "status " << r.status << " is not declared for " << method << " " << path);
        REQUIRE(schema);
        if (schema->is_null()) {
            CHECK(r.body.empty());
        } else {
            REQUIRE_MESSAGE(!r.json.is_null(), "not JSON: " << r.body);
            const auto errors = spec.validate(r.json, *schema);
            CHECK_MESSAGE(errors.empty(), "response does not conform: " << (errors.empty() ? "" : errors.front())
                                                                      << "\nbody: " << r.body.substr(0, 600));
        }
        return r;
    }

    harness h;
    style_case style;
    openapi_spec contacts;
    openapi_spec properties;
};

object contact_input(const std::string& email, const std::string& first)
{
    return object{{"properties", object{{"email", email}, {"firstname", first}, {"lastname", "Tester"}}},
                  {"associations", array{}}};
}

void run_properties(conformance& c)
{
    const std::string& p = c.style.props;
    c.exchange("GET", p, std::nullopt, 200);
    c.exchange("POST", p + "/groups", object{{"name", "shopify"}, {"label", "Shopify"}, {"displayOrder", 5}}, 201);
    c.exchange("POST", p,
               object{{"groupName", "shopify"}, {"name", "shopify_customer_id"}, {"label", "Shopify customer ID"},
                      {"type", "string"}, {"fieldType", "text"}, {"hasUniqueValue", true}, {"formField", false}},
               201);
    c.exchange("POST", p,
               object{{"groupName", "shopify"}, {"name", "shopify_state"}, {"label", "State"},
                      {"type", "enumeration"}, {"fieldType", "select"},
                      {"options", array{object{{"label", "Enabled"}, {"value", "enabled"}, {"displayOrder", 0},
                                               {"hidden", false}}}}},
               201);
    const auto one = c.exchange("GET", p + "/shopify_customer_id", std::nullopt, 200);
    CHECK(one.obj().at("hasUniqueValue").as_bool());
    c.exchange("PATCH", p + "/shopify_customer_id", object{{"description", "Set by crmsync"}}, 200);
    c.exchange("GET", p + "/email", std::nullopt, 200);
    c.exchange("GET", p + "/groups", std::nullopt, 200);
    c.exchange("GET", p + "/groups/shopify", std::nullopt, 200);
    c.exchange("GET", p + "/no_such_property", std::nullopt, 404);
    c.exchange("POST", p, object{{"name", "missing_fields"}}, 400, false);
    c.exchange("POST", p,
               object{{"groupName", "shopify"}, {"name", "shopify_customer_id"}, {"label", "Again"},
                      {"type", "string"}, {"fieldType", "text"}},
               409);
}

void run_contacts(conformance& c)
{
    const std::string& o = c.style.objects;
    const auto a = c.exchange("POST", o, contact_input("ada@example.com", "Ada"), 201);
    const auto b = c.exchange("POST", o, contact_input("grace@example.com", "Grace"), 201);
    const auto d = c.exchange("POST", o, contact_input("linus@example.com", "Linus"), 201);
    const std::string ida = str(a.json, "id");
    const std::string idb = str(b.json, "id");
    const std::string idd = str(d.json, "id");

    const auto page = c.exchange("GET", o + "?limit=2&properties=email,firstname,phone&archived=false", std::nullopt, 200);
    const std::string after(page.obj().at("paging").at("next").at("after").as_string());
    c.exchange("GET", o + "?limit=2&after=" + after, std::nullopt, 200);
    c.exchange("GET", o + "/" + ida + "?properties=email,phone,company&propertiesWithHistory=firstname", std::nullopt, 200);
    c.exchange("GET", o + "/ada%40example.com?idProperty=email", std::nullopt, 200);
    c.exchange("GET", o + "/999", std::nullopt, 404);
    c.exchange("PATCH", o + "/" + ida, object{{"properties", object{{"jobtitle", "Analyst"}, {"phone", ""}}}}, 200);
    c.exchange("PATCH", o + "/grace%40example.com?idProperty=email", object{{"properties", object{{"city", "Oslo"}}}},
               200);
    c.exchange("POST", o, object{{"properties", object{{"favourite_colour", "blue"}}}, {"associations", array{}}}, 400);
    c.exchange("POST", o, contact_input("ADA@example.com", "Dup"), 409);
    c.exchange("PATCH", o + "/" + idb, object{{"properties", object{{"email", "ada@example.com"}}}}, 409);

    const auto br = object{{"inputs", array{object{{"id", ida}}, object{{"id", idb}}}},
                           {"properties", array{"email", "firstname"}},
                           {"propertiesWithHistory", array{}}};
    c.exchange("POST", o + "/batch/read", br, 200);
    c.exchange("POST", o + "/batch/read",
               object{{"inputs", array{object{{"id", ida}}, object{{"id", "1"}}}}, {"properties", array{"email"}},
                      {"propertiesWithHistory", array{}}},
               207);
    c.exchange("POST", o + "/batch/read",
               object{{"idProperty", "email"}, {"inputs", array{object{{"id", "grace@example.com"}}}},
                      {"properties", array{"email"}}, {"propertiesWithHistory", array{}}},
               200);

    c.exchange("POST", o + "/batch/create",
               object{{"inputs", array{contact_input("b1@example.com", "B1"), contact_input("b2@example.com", "B2")}}},
               201);
    auto traced_ok = contact_input("b3@example.com", "B3");
    traced_ok["objectWriteTraceId"] = "t-1";
    auto traced_dup = contact_input("b1@example.com", "B1 again");
    traced_dup["objectWriteTraceId"] = "t-2";
    c.exchange("POST", o + "/batch/create", object{{"inputs", array{traced_ok, traced_dup}}}, 207);

    c.exchange("POST", o + "/batch/update",
               object{{"inputs", array{object{{"id", ida}, {"properties", object{{"city", "London"}}}}}}}, 200);
    c.exchange("POST", o + "/batch/update",
               object{{"inputs", array{object{{"id", ida}, {"properties", object{{"city", "Paris"}}}},
                                       object{{"id", "12345"}, {"properties", object{{"city", "Rome"}}}}}}},
               207);

    c.exchange("POST", o + "/batch/upsert",
               object{{"inputs", array{object{{"id", "ada@example.com"}, {"idProperty", "email"},
                                              {"properties", object{{"firstname", "Augusta"}}}},
                                       object{{"id", "new@example.com"}, {"idProperty", "email"},
                                              {"properties", object{{"firstname", "New"}}}}}}},
               200);
    c.exchange("POST", o + "/batch/upsert",
               object{{"inputs", array{object{{"id", "7412345678901"}, {"idProperty", "shopify_customer_id"},
                                              {"properties", object{{"email", "shop@example.com"}}}}}}},
               200);
    c.exchange("POST", o + "/batch/upsert",
               object{{"inputs",
                       array{object{{"id", "u1@example.com"}, {"idProperty", "email"}, {"objectWriteTraceId", "u-1"},
                                    {"properties", object{{"firstname", "U1"}}}},
                             object{{"id", "u2@example.com"}, {"idProperty", "email"}, {"objectWriteTraceId", "u-2"},
                                    {"properties", object{{"no_such_prop", "x"}}}}}}},
               207);

    c.exchange("POST", o + "/search",
               object{{"filterGroups",
                       array{object{{"filters", array{object{{"propertyName", "email"}, {"operator", "EQ"},
                                                             {"value", "ada@example.com"}}}}}}},
                      {"sorts", array{"createdate"}},
                      {"properties", array{"email", "phone", "lastmodifieddate"}},
                      {"limit", 10},
                      {"after", "0"}},
               200);
    c.exchange("POST", o + "/search",
               object{{"filterGroups", array{}}, {"sorts", array{}}, {"properties", array{}}, {"limit", 2},
                      {"after", "0"}},
               200);

    const auto merged = c.exchange("POST", o + "/merge", object{{"primaryObjectId", ida}, {"objectIdToMerge", idb}}, 200);
    CHECK(str(merged.json, "id") != ida);
    c.exchange("DELETE", o + "/" + idd, std::nullopt, 204);
    c.exchange("POST", o + "/batch/archive", object{{"inputs", array{object{{"id", str(merged.json, "id")}}}}}, 204);
    c.exchange("POST", o + "/gdpr-delete", object{{"objectId", "new@example.com"}, {"idProperty", "email"}}, 204);
    c.exchange("GET", o + "?archived=true", std::nullopt, 200);
    c.exchange("GET", o, std::nullopt, 401, true, std::nullopt);
    c.exchange("GET", o, std::nullopt, 401, true, std::string("pat-na1-wrong"));
}

} // namespace

TEST_CASE("every endpoint answers as HubSpot's OpenAPI specs describe on every path style")
{
    for (const auto& s : styles) {
        CAPTURE(s.objects);
        conformance c(s);
        run_properties(c);
        run_contacts(c);
    }
}

TEST_CASE("every operation of the specs is routed except the documented gaps")
{
    // Known gaps: property batch endpoints and property-group PATCH/DELETE are not emulated.
    const std::set<std::string> gaps{
        "POST /crm/properties/2026-09/{objectType}/batch/archive", "POST /crm/properties/2026-09/{objectType}/batch/create",
        "POST /crm/properties/2026-09/{objectType}/batch/read", "PATCH /crm/properties/2026-09/{objectType}/groups/{groupName}",
        "DELETE /crm/properties/2026-09/{objectType}/groups/{groupName}"};
    int routed = 0;
    for (const char* file : {"contacts-v3.json", "contacts-2026-09.json", "properties-2026-09.json"}) {
        openapi_spec spec(spec_dir + file);
        harness h;
        std::ifstream in(spec_dir + file);
        std::stringstream ss;
        ss << in.rdbuf();
        const auto doc = boost::json::parse(ss.str());
        for (const auto& [tmpl, ops] : doc.at("paths").as_object()) {
            for (const auto& [method, op] : ops.as_object()) {
                std::string m(method);
                for (auto& ch : m)
                    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
                const std::string key = m + " " + std::string(tmpl);
                if (gaps.contains(key))
                    continue;
                std::string path(tmpl);
                for (auto [from, to] : {std::pair{"{objectType}", "contacts"}, std::pair{"{objectId}", "123"},
                                        std::pair{"{contactId}", "123"}, std::pair{"{propertyName}", "email"},
                                        std::pair{"{groupName}", "contactinformation"}})
                    if (const auto at = path.find(from); at != std::string::npos)
                        path.replace(at, std::string_view(from).size(), to);
                const auto r = h.call(m, path, m == "GET" || m == "DELETE" ? "" : "{}");
                CAPTURE(key);
                CHECK(r.status != 405);
                CHECK(r.body.find("No endpoint matches") == std::string::npos);
                ++routed;
            }
        }
    }
    CHECK(routed >= 30);
}

TEST_CASE("the schema checker rejects what the specs forbid")
{
    openapi_spec v3(spec_dir + "contacts-v3.json");
    openapi_spec dated(spec_dir + "contacts-2026-09.json");
    const value ref = object{{"$ref", "#/components/schemas/SimplePublicObject"}};
    const auto good = boost::json::parse(R"({"id":"1","properties":{"email":"a@example.com"},
        "createdAt":"2026-09-21T10:00:00.000Z","updatedAt":"2026-09-21T10:00:00.000Z","archived":false})");
    CHECK(v3.validate(good, ref).empty());

    auto missing_id = good;
    missing_id.as_object().erase("id");
    CHECK(v3.validate(missing_id, ref).size() == 1);

    auto null_value = good;
    null_value.as_object()["properties"].as_object()["phone"] = nullptr;
    CHECK(v3.validate(null_value, ref).size() == 1); // v3 values are not nullable
    CHECK(dated.validate(null_value, ref).empty());  // 2026-09 values are

    auto wrong_types = good;
    wrong_types.as_object()["archived"] = "false";
    wrong_types.as_object()["updatedAt"] = "yesterday";
    CHECK(v3.validate(wrong_types, ref).size() == 2);

    const value batch = object{{"$ref", "#/components/schemas/BatchResponseSimplePublicObject"}};
    const auto bad_status = boost::json::parse(R"({"status":"DONE","results":[{"id":1}],
        "startedAt":"2026-09-21T10:00:00.000Z","completedAt":"2026-09-21T10:00:00.000Z"})");
    // "DONE" is not in the enum; the result's id is not a string and four required fields are missing.
    CHECK(v3.validate(bad_status, batch).size() == 6);
}
