#include "core/planner.hpp"

#include <doctest/doctest.h>

using namespace crmsync;

namespace {

field_mapping mapping()
{
    return field_mapping({
        {.name = "email", .shopify = "email", .crm = "email", .normalize = normalizer::email},
        {.name = "first_name", .shopify = "firstName", .crm = "firstname"},
        {.name = "city", .shopify = "defaultAddress.city", .crm = "city"},
        {.name = "tags", .shopify = "tags", .crm = "shopify_tags", .direction = field_direction::to_crm},
    });
}

snapshot_row snap(side s, std::int64_t at, field_map f, bool deleted = false)
{
    return snapshot_row{1, s, at, std::move(f), deleted};
}

link_row linked(field_map base) { return link_row{1, "S1", "C1", std::move(base), true, link_state::active}; }

} // namespace

TEST_CASE("a person only in Shopify is created in the CRM with every field that flows there")
{
    auto m = mapping();
    sync_settings sync{.direction = sync_direction::shopify_to_crm};
    link_row l{1, "S1", "", {}, true, link_state::active};
    auto s = snap(side::shopify, 100, {{"email", "a@x.com"}, {"first_name", "Ann"}, {"tags", "vip"}});
    auto p = plan_link({m, sync}, l, &s, nullptr);
    REQUIRE(p.to_crm);
    CHECK(p.to_crm->kind == write_kind::create);
    CHECK(p.to_crm->fields == field_map{{"email", "a@x.com"}, {"first_name", "Ann"}, {"tags", "vip"}});
    CHECK_FALSE(p.to_shopify);

    sync.create_in_crm = false;
    CHECK_FALSE(plan_link({m, sync}, l, &s, nullptr).to_crm);
}

TEST_CASE("one-way: only fields that differ from the base are written - nothing when converged")
{
    auto m = mapping();
    sync_settings sync{.direction = sync_direction::shopify_to_crm};
    auto l = linked({{"email", "a@x.com"}, {"first_name", "Ann"}});
    auto same = snap(side::shopify, 100, {{"email", "a@x.com"}, {"first_name", "Ann"}});
    auto p = plan_link({m, sync}, l, &same, nullptr);
    CHECK_FALSE(p.to_crm);
    CHECK_FALSE(p.to_shopify);

    auto edited = snap(side::shopify, 200, {{"email", "a@x.com"}, {"first_name", "Anne"}, {"city", "Ottawa"}});
    p = plan_link({m, sync}, l, &edited, nullptr);
    REQUIRE(p.to_crm);
    CHECK(p.to_crm->kind == write_kind::update);
    CHECK(p.to_crm->fields == field_map{{"first_name", "Anne"}, {"city", "Ottawa"}});
    // A CRM-side edit does not flow back in shopify_to_crm.
    auto crm = snap(side::crm, 300, {{"email", "a@x.com"}, {"first_name", "Annie"}});
    p = plan_link({m, sync}, l, &same, &crm);
    CHECK_FALSE(p.to_shopify);
    CHECK_FALSE(p.to_crm);
}

TEST_CASE("an emptied value does not wipe the other side unless the field says so")
{
    auto m = mapping();
    sync_settings sync{.direction = sync_direction::shopify_to_crm};
    auto l = linked({{"email", "a@x.com"}, {"city", "Ottawa"}});
    auto s = snap(side::shopify, 200, {{"email", "a@x.com"}});
    CHECK_FALSE(plan_link({m, sync}, l, &s, nullptr).to_crm);

    // Two-way: the emptied side is filled back from the other, and the conflict is recorded.
    sync_settings two{.direction = sync_direction::two_way};
    auto c = snap(side::crm, 100, {{"email", "a@x.com"}, {"city", "Ottawa"}});
    auto back = plan_link({m, two}, l, &s, &c);
    CHECK_FALSE(back.to_crm);
    REQUIRE(back.to_shopify);
    CHECK(back.to_shopify->fields == field_map{{"city", "Ottawa"}});
    REQUIRE(back.conflicts.size() == 1);
    CHECK(back.conflicts[0].winner == "crm");

    auto specs = m.specs();
    specs[2].propagate_empty = true;
    field_mapping m2(specs);
    auto p = plan_link({m2, sync}, l, &s, nullptr);
    REQUIRE(p.to_crm);
    CHECK(p.to_crm->fields == field_map{{"city", ""}});
}

TEST_CASE("two-way: non-overlapping edits both survive - equal edits move the base - conflicts follow the policy")
{
    auto m = mapping();
    sync_settings sync{.direction = sync_direction::two_way};
    auto l = linked({{"email", "a@x.com"}, {"first_name", "Ann"}, {"city", "Ottawa"}});
    auto s = snap(side::shopify, 100, {{"email", "a@x.com"}, {"first_name", "Anne"}, {"city", "Ottawa"}});
    auto c = snap(side::crm, 200, {{"email", "a@x.com"}, {"first_name", "Ann"}, {"city", "Toronto"}});
    auto p = plan_link({m, sync}, l, &s, &c);
    REQUIRE(p.to_crm);
    REQUIRE(p.to_shopify);
    CHECK(p.to_crm->fields == field_map{{"first_name", "Anne"}});
    CHECK(p.to_shopify->fields == field_map{{"city", "Toronto"}});
    CHECK(p.conflicts.empty());

    auto s2 = snap(side::shopify, 100, {{"email", "a@x.com"}, {"first_name", "Anna"}, {"city", "Ottawa"}});
    auto c2 = snap(side::crm, 200, {{"email", "a@x.com"}, {"first_name", "Annie"}, {"city", "Ottawa"}});
    p = plan_link({m, sync}, l, &s2, &c2);
    REQUIRE(p.conflicts.size() == 1);
    CHECK(p.conflicts[0].winner == "crm"); // newer
    REQUIRE(p.to_shopify);
    CHECK(p.to_shopify->fields == field_map{{"first_name", "Annie"}});
    CHECK_FALSE(p.to_crm);

    sync.conflict = conflict_policy::shopify_wins;
    p = plan_link({m, sync}, l, &s2, &c2);
    REQUIRE(p.to_crm);
    CHECK(p.to_crm->fields == field_map{{"first_name", "Anna"}});

    sync.conflict = conflict_policy::manual;
    p = plan_link({m, sync}, l, &s2, &c2);
    CHECK(p.conflicts.at(0).winner.empty());
    CHECK_FALSE(p.to_crm);
    CHECK_FALSE(p.to_shopify);

    auto c3 = snap(side::crm, 200, {{"email", "a@x.com"}, {"first_name", "Anna"}, {"city", "Ottawa"}});
    p = plan_link({m, sync}, l, &s2, &c3);
    REQUIRE(p.new_base);
    CHECK(p.new_base->at("first_name") == "Anna");
    CHECK(p.conflicts.empty());
}
