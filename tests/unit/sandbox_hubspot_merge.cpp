// HubSpot emulator: merges (notes §9) through the API and the control API.
#include "tests/unit/sandbox_hubspot_harness.hpp"

#include <doctest/doctest.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace {

using boost::json::array;
using boost::json::object;
using namespace hs_test;

const std::string v3 = "/crm/v3/objects/contacts";

std::vector<std::string> split_ids(const std::string& s)
{
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        const auto end = s.find(';', start);
        out.push_back(s.substr(start, end - start));
        if (end == std::string::npos)
            break;
        start = end + 1;
    }
    return out;
}

} // namespace

TEST_CASE("a merge mints a survivor that absorbs the loser and old ids resolve to it")
{
    harness h;
    const auto a = h.em.create_contact({{"email", "ada@example.com"}, {"firstname", "Ada"}, {"phone", "+1 555 0100"}});
    h.clock.advance(std::chrono::milliseconds(1000));
    const auto b = h.em.create_contact({{"email", "ada.l@example.org"}, {"firstname", "Augusta"}, {"city", "London"}});
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    h.clock.advance(std::chrono::milliseconds(60'000));

    const auto merged = h.post(v3 + "/merge", object{{"primaryObjectId", a->id}, {"objectIdToMerge", b->id}});
    REQUIRE_MESSAGE(merged.status == 200, merged.body);
    const std::string survivor = str(merged.json, "id");
    CHECK(survivor != a->id);
    CHECK(survivor != b->id);
    CHECK(prop(merged.json, "email") == "ada@example.com");    // the primary's values win
    CHECK(prop(merged.json, "firstname") == "Ada");
    CHECK(prop(merged.json, "city") == "London");              // the loser fills the gaps
    CHECK(prop(merged.json, "hs_additional_emails") == "ada.l@example.org");
    const auto ids = split_ids(prop(merged.json, "hs_merged_object_ids"));
    CHECK(std::find(ids.begin(), ids.end(), a->id) != ids.end());
    CHECK(std::find(ids.begin(), ids.end(), b->id) != ids.end());
    CHECK(prop(merged.json, "createdate") == a->created_at); // the older create date
    CHECK(prop(merged.json, "lastmodifieddate") > b->updated_at); // restamped at merge time

    for (const auto& old : {a->id, b->id}) {
        const auto r = h.get(v3 + "/" + old);
        REQUIRE(r.status == 200);
        CHECK(str(r.json, "id") == survivor);
    }
    const auto read = h.post(v3 + "/batch/read", object{{"inputs", array{object{{"id", a->id}}, object{{"id", b->id}}}},
                                                        {"properties", array{"email"}},
                                                        {"propertiesWithHistory", array{}}});
    CHECK(read.status == 200);
    REQUIRE(read.obj().at("results").as_array().size() == 1);
    CHECK(str(read.obj().at("results").as_array()[0], "id") == survivor);

    // The loser's email now belongs to the survivor.
    const auto by_email = h.get(v3 + "/ada.l%40example.org?idProperty=email");
    CHECK(str(by_email.json, "id") == survivor);
    const auto dup = h.post(v3, object{{"properties", object{{"email", "ada.l@example.org"}}}, {"associations", array{}}});
    CHECK(dup.status == 409);
    CHECK(str(dup.json, "message") == "Contact already exists. Existing ID: " + survivor);

    // Writes through an old id land on the survivor.
    const auto patched = h.patch(v3 + "/" + b->id, object{{"properties", object{{"jobtitle", "Countess"}}}});
    CHECK(str(patched.json, "id") == survivor);

    // Search and list show the survivor only.
    const auto listed = h.get(v3);
    REQUIRE(listed.obj().at("results").as_array().size() == 1);
    CHECK(str(listed.obj().at("results").as_array()[0], "id") == survivor);
    const auto found = h.post(v3 + "/search", object{{"limit", 10}});
    CHECK(found.obj().at("total").as_int64() == 1);

    const auto n = h.em.counts();
    CHECK(n.live == 1);
    CHECK(n.merged_away == 2);
}

TEST_CASE("merges can chain and refuse bad inputs")
{
    harness h;
    const auto a = h.em.create_contact({{"email", "a@example.com"}});
    const auto b = h.em.create_contact({{"email", "b@example.com"}});
    const auto c = h.em.create_contact({{"email", "c@example.com"}});
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    REQUIRE(c.has_value());
    const auto ab = h.em.merge_contacts(a->id, b->id);
    REQUIRE(ab.has_value());
    const auto abc = h.post(v3 + "/merge", object{{"primaryObjectId", c->id}, {"objectIdToMerge", a->id}});
    REQUIRE(abc.status == 200);
    const std::string survivor = str(abc.json, "id");
    const auto merged_ids = split_ids(prop(abc.json, "hs_merged_object_ids"));
    CHECK(merged_ids.size() == 4); // a, b, the first survivor and c
    CHECK(prop(abc.json, "email") == "c@example.com");
    const auto emails = split_ids(prop(abc.json, "hs_additional_emails"));
    CHECK(emails.size() == 2);
    for (const auto& id : {a->id, b->id, ab->id, c->id})
        CHECK(str(h.get(v3 + "/" + id).json, "id") == survivor);

    CHECK(h.post(v3 + "/merge", object{{"primaryObjectId", survivor}, {"objectIdToMerge", a->id}}).status == 400);
    CHECK(h.post(v3 + "/merge", object{{"primaryObjectId", survivor}, {"objectIdToMerge", "42"}}).status == 404);
    CHECK(h.post(v3 + "/merge", object{{"primaryObjectId", survivor}}).status == 400);
}

TEST_CASE("with primary-id preservation the primary keeps its id")
{
    auto o = unlimited();
    o.merge_mints_new_id = false;
    harness h(o);
    const auto a = h.em.create_contact({{"email", "a@example.com"}});
    const auto b = h.em.create_contact({{"email", "b@example.com"}, {"phone", "+1 555 0101"}});
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    const auto merged = h.call("POST", "/_sandbox/merge",
                               R"({"primaryObjectId":")" + a->id + R"(","objectIdToMerge":")" + b->id + R"("})",
                               std::nullopt);
    REQUIRE_MESSAGE(merged.status == 200, merged.body);
    CHECK(str(merged.json, "id") == a->id);
    CHECK(merged.obj().at("properties").at("hs_merged_object_ids").as_string() == b->id);
    CHECK(merged.obj().at("properties").at("phone").as_string() == "+1 555 0101");
    CHECK(str(h.get(v3 + "/" + b->id).json, "id") == a->id);
    const auto counts = h.call("GET", "/_sandbox/counts", {}, std::nullopt);
    CHECK(counts.obj().at("merged_away").as_int64() == 1);
    CHECK(counts.obj().at("live").as_int64() == 1);
}
