// HubSpot emulator: the CRM search API (operators, sort, paging, limits, index lag).
#include "sandbox/hubspot/wire.hpp"
#include "tests/unit/sandbox_hubspot_harness.hpp"

#include <doctest/doctest.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <set>

namespace {

using boost::json::array;
using boost::json::object;
using boost::json::value;
using namespace hs_test;

const std::string search_path = "/crm/v3/objects/contacts/search";

object flt(const std::string& name, const std::string& op, std::optional<value> v = std::nullopt)
{
    object f{{"propertyName", name}, {"operator", op}};
    if (v && v->is_array())
        f["values"] = *v;
    else if (v)
        f["value"] = *v;
    return f;
}

object group(std::initializer_list<object> filters)
{
    array a;
    for (const auto& f : filters)
        a.push_back(f);
    return object{{"filters", std::move(a)}};
}

// Search with the given groups; returns the emails found, in order.
std::vector<std::string> emails(harness& h, std::initializer_list<object> groups, object extra = {})
{
    array gs;
    for (const auto& g : groups)
        gs.push_back(g);
    object body{{"filterGroups", std::move(gs)}, {"properties", array{"email"}}, {"limit", 200}};
    for (const auto& [k, v] : extra)
        body[k] = v;
    const auto r = h.post(search_path, body);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    std::vector<std::string> out;
    for (const auto& c : r.obj().at("results").as_array())
        out.push_back(prop(c, "email"));
    return out;
}

std::string add(harness& h, std::map<std::string, std::string> props)
{
    auto r = h.em.create_contact(props);
    REQUIRE(r.has_value());
    return r->id;
}

struct people {
    explicit people(harness& h)
    {
        REQUIRE(h.em.create_property(R"({"name":"orders","label":"Orders","type":"number","fieldType":"number",
                                         "groupName":"contactinformation"})")
                    .has_value());
        ada = add(h, {{"email", "ada@example.com"}, {"firstname", "Ada"}, {"city", "London"}, {"orders", "9"},
                      {"phone", "+44 20 7946 0001"}, {"lifecyclestage", "customer"}});
        h.clock.advance(std::chrono::milliseconds(1000));
        grace = add(h, {{"email", "grace@example.org"}, {"firstname", "Grace"}, {"city", "New York"}, {"orders", "10"},
                        {"lifecyclestage", "lead"}});
        h.clock.advance(std::chrono::milliseconds(1000));
        linus = add(h, {{"email", "linus@example.org"}, {"firstname", "Linus"}, {"city", "Helsinki"},
                        {"company", "Open Source Labs"}, {"phone", "+358 9 1234"}});
    }
    std::string ada, grace, linus;
};

} // namespace

TEST_CASE("search operators on string and number and enumeration and datetime properties")
{
    harness h;
    const auto start_ms = crmsync::to_unix_ms(h.clock.wall_now());
    people p(h);
    using v = std::vector<std::string>;
    const v all{"ada@example.com", "grace@example.org", "linus@example.org"};

    CHECK(emails(h, {group({flt("firstname", "EQ", value("ADA"))})}) == v{"ada@example.com"});
    CHECK(emails(h, {group({flt("city", "NEQ", value("london"))})}) == v{"grace@example.org", "linus@example.org"});
    CHECK(emails(h, {group({flt("orders", "LT", value("10"))})}) == v{"ada@example.com"}); // numeric, not lexical
    CHECK(emails(h, {group({flt("orders", "GTE", value("9.5"))})}) == v{"grace@example.org"});
    CHECK(emails(h, {group({flt("orders", "LTE", value("10")), flt("orders", "GT", value("9"))})}) ==
          v{"grace@example.org"});
    // NEQ matches contacts without the property.
    CHECK(emails(h, {group({flt("orders", "NEQ", value("9"))})}) == v{"grace@example.org", "linus@example.org"});

    auto between = flt("createdate", "BETWEEN", value(std::to_string(start_ms + 500)));
    between["highValue"] = std::to_string(start_ms + 1500);
    CHECK(emails(h, {group({between})}) == v{"grace@example.org"});
    CHECK(emails(h, {group({flt("createdate", "GTE", value(hubspot::format_iso_ms(start_ms + 1000)))})}) ==
          v{"grace@example.org", "linus@example.org"});
    CHECK(emails(h, {group({flt("lastmodifieddate", "LT", value(std::to_string(start_ms + 1000)))})}) ==
          v{"ada@example.com"});

    CHECK(emails(h, {group({flt("city", "IN", array{"london", "helsinki"})})}) ==
          v{"ada@example.com", "linus@example.org"});
    // String IN needs lower-case values (notes §4.1).
    CHECK(emails(h, {group({flt("city", "IN", array{"London"})})}).empty());
    CHECK(emails(h, {group({flt("lifecyclestage", "IN", array{"customer"})})}) == v{"ada@example.com"});
    CHECK(emails(h, {group({flt("lifecyclestage", "EQ", value("CUSTOMER"))})}).empty()); // enumerations are exact
    CHECK(emails(h, {group({flt("city", "NOT_IN", array{"london"})})}) == v{"grace@example.org", "linus@example.org"});
    CHECK(emails(h, {group({flt("phone", "HAS_PROPERTY")})}) == v{"ada@example.com", "linus@example.org"});
    CHECK(emails(h, {group({flt("phone", "NOT_HAS_PROPERTY")})}) == v{"grace@example.org"});
    CHECK(emails(h, {group({flt("email", "CONTAINS_TOKEN", value("*@example.org"))})}) ==
          v{"grace@example.org", "linus@example.org"});
    CHECK(emails(h, {group({flt("company", "CONTAINS_TOKEN", value("source"))})}) == v{"linus@example.org"});
    CHECK(emails(h, {group({flt("company", "NOT_CONTAINS_TOKEN", value("source"))})}) ==
          v{"ada@example.com", "grace@example.org"});
    // Groups are ORed, filters within a group ANDed.
    CHECK(emails(h, {group({flt("city", "EQ", value("London"))}), group({flt("firstname", "EQ", value("Linus"))})}) ==
          v{"ada@example.com", "linus@example.org"});
    CHECK(emails(h, {group({flt("city", "EQ", value("London")), flt("firstname", "EQ", value("Linus"))})}).empty());
    CHECK(emails(h, {}) == all);
    CHECK(emails(h, {}, object{{"query", "gra"}}) == v{"grace@example.org"});

    CHECK(h.post(search_path, object{{"filterGroups", array{group({flt("nope", "EQ", value("x"))})}}}).status == 400);
    CHECK(h.post(search_path, object{{"filterGroups", array{group({flt("orders", "EQ", value("abc"))})}}}).status == 400);
    CHECK(h.post(search_path, object{{"filterGroups", array{group({flt("orders", "BETWEEN", value("1"))})}}}).status ==
          400);
    CHECK(h.post(search_path, object{{"filterGroups", array{group({flt("city", "LIKE", value("x"))})}}}).status == 400);
}

TEST_CASE("search sorts by one property with ties by id and pages with after and reports total")
{
    harness h;
    std::vector<std::string> ids;
    for (int i = 0; i < 7; ++i) // seven contacts modified in the same millisecond
        ids.push_back(add(h, {{"email", "same" + std::to_string(i) + "@example.com"}}));
    h.clock.advance(std::chrono::milliseconds(5));
    REQUIRE(h.em.edit_contact(ids[0], {{"firstname", "Late"}}).has_value());

    auto page = [&](const std::string& direction, const std::string& after, int limit) {
        const auto r = h.post(search_path, object{{"sorts", array{object{{"propertyName", "lastmodifieddate"},
                                                                         {"direction", direction}}}},
                                                  {"limit", limit},
                                                  {"after", after}});
        REQUIRE_MESSAGE(r.status == 200, r.body);
        return r;
    };
    std::vector<std::string> seen;
    std::string after = "0";
    for (int n = 0; n < 10 && !after.empty(); ++n) {
        const auto r = page("ASCENDING", after, 3);
        CHECK(r.obj().at("total").as_int64() == 7);
        for (const auto& c : r.obj().at("results").as_array())
            seen.push_back(str(c, "id"));
        const auto* paging = r.obj().if_contains("paging");
        after = paging ? std::string(paging->at("next").at("after").as_string()) : "";
    }
    const std::vector<std::string> expected{ids[1], ids[2], ids[3], ids[4], ids[5], ids[6], ids[0]};
    CHECK(seen == expected);
    const auto desc = page("DESCENDING", "0", 3);
    CHECK(str(desc.obj().at("results").as_array()[0], "id") == ids[0]);
    CHECK(str(desc.obj().at("results").as_array()[1], "id") == ids[1]); // ties still by id ascending

    const auto first = h.post(search_path, object{{"limit", 2}});
    CHECK(first.obj().at("results").as_array()[0].at("properties").as_object().contains("lastmodifieddate"));
    CHECK(h.post(search_path, object{{"sorts", array{object{{"propertyName", "email"}}, object{{"propertyName", "city"}}}}})
              .status == 400);
    CHECK(h.post(search_path, object{{"after", "abc"}}).status == 400);
}

TEST_CASE("search refuses requests beyond its limits")
{
    harness h;
    const auto f = flt("email", "HAS_PROPERTY");
    auto groups = [&](int n, int per) {
        array gs;
        for (int i = 0; i < n; ++i) {
            array fs;
            for (int j = 0; j < per; ++j)
                fs.push_back(f);
            gs.push_back(object{{"filters", std::move(fs)}});
        }
        return object{{"filterGroups", std::move(gs)}};
    };
    CHECK(h.post(search_path, groups(5, 3)).status == 200);
    CHECK(h.post(search_path, groups(3, 6)).status == 200); // 18 filters: the maximum
    CHECK(h.post(search_path, groups(6, 1)).status == 400);
    CHECK(h.post(search_path, groups(1, 7)).status == 400);
    const auto too_many = h.post(search_path, groups(4, 5));
    CHECK(too_many.status == 400);
    CHECK(str(too_many.json, "category") == "VALIDATION_ERROR");
    CHECK(h.post(search_path, object{{"limit", 200}}).status == 200);
    CHECK(h.post(search_path, object{{"limit", 201}}).status == 400);
    CHECK(h.post(search_path, object{{"query", std::string(3100, 'a')}}).status == 400);
}

TEST_CASE("search stops at 10000 results and paging beyond answers 400")
{
    harness h;
    h.em.seed(10'050, 3);
    auto at = [&](int after, int limit) {
        return h.post(search_path, object{{"limit", limit}, {"after", std::to_string(after)},
                                          {"properties", array{"email"}}});
    };
    const auto last_page = at(9'800, 200);
    REQUIRE(last_page.status == 200);
    CHECK(last_page.obj().at("total").as_int64() == 10'050);
    CHECK(last_page.obj().at("results").as_array().size() == 200);
    CHECK(last_page.obj().at("paging").at("next").at("after").as_string() == "10000");
    const auto beyond = at(10'000, 200);
    CHECK(beyond.status == 400);
    CHECK(str(beyond.json, "category") == "VALIDATION_ERROR");
    CHECK(str(beyond.json, "message").find("10000") != std::string::npos);
    CHECK(at(9'900, 200).status == 400); // the window ends at 10,000 even mid-page
    CHECK(at(9'900, 100).status == 200);
}

TEST_CASE("search sees changes only after the index lag and never sees archived contacts")
{
    harness h;
    h.em.set_index_lag(std::chrono::milliseconds(2000));
    const std::string id = add(h, {{"email", "lag@example.com"}, {"firstname", "Before"}});
    auto by_name = [&](const std::string& name) {
        return emails(h, {group({flt("firstname", "EQ", value(name))})});
    };
    CHECK(by_name("Before").empty());
    CHECK(h.get("/crm/v3/objects/contacts/" + id).status == 200); // reads by id are immediate
    h.clock.advance(std::chrono::milliseconds(1999));
    CHECK(by_name("Before").empty());
    h.clock.advance(std::chrono::milliseconds(1));
    CHECK(by_name("Before").size() == 1);

    REQUIRE(h.em.edit_contact(id, {{"firstname", "After"}}).has_value());
    h.clock.advance(std::chrono::milliseconds(1000));
    CHECK(by_name("Before").size() == 1);
    CHECK(by_name("After").empty());
    h.clock.advance(std::chrono::milliseconds(1000));
    CHECK(by_name("Before").empty());
    CHECK(by_name("After").size() == 1);

    REQUIRE(h.em.archive_contact(id).has_value());
    CHECK(by_name("After").size() == 1);
    h.clock.advance(std::chrono::milliseconds(2000));
    CHECK(by_name("After").empty());

    h.em.set_index_lag(std::chrono::milliseconds(0));
    const std::string other = add(h, {{"email", "now@example.com"}, {"firstname", "Now"}});
    CHECK(by_name("Now").size() == 1);
    CHECK(h.del("/crm/v3/objects/contacts/" + other).status == 204);
    CHECK(by_name("Now").empty());
}
