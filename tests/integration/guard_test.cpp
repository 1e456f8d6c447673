// The blast-radius guard (design.md §5 "Deletes"): a cycle that would delete more records than
// sync.max_changes_per_cycle, or a side that suddenly lists nothing, pauses instead of acting.
#include "core/engine.hpp"
#include "tests/fakes/fake_side.hpp"
#include "tests/fakes/http_test_loop.hpp"
#include "tests/fakes/manual_clock.hpp"
#include "tests/fakes/temp_dir.hpp"

#include <boost/asio/io_context.hpp>
#include <doctest/doctest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

using namespace crmsync;
using namespace std::chrono_literals;
using crmsync::test::fake_side;

namespace {

std::vector<field_spec> fields()
{
    return {
        {.name = "email", .shopify = "email", .crm = "email", .normalize = normalizer::email},
        {.name = "first_name", .shopify = "first_name", .crm = "first_name"},
    };
}

struct rig {
    test::manual_clock clk;
    fake_side shop{"shop", clk, 1}, crm{"crm", clk, 2};
    field_mapping mapping{fields()};
    test::temp_dir dir;
    boost::asio::io_context io;
    std::unique_ptr<state_store> store;
    std::unique_ptr<engine> eng;

    void open(std::int64_t max_changes)
    {
        eng.reset();
        store.reset();
        store = *state_store::open(dir.file("s.db"), {.durable = false});
        engine_settings es;
        es.sync = {.direction = sync_direction::two_way, .create_in_shopify = true, .deletes = delete_policy::propagate,
                   .max_changes_per_cycle = max_changes, .fields = fields()};
        es.seed = 3;
        eng = std::make_unique<engine>(io.get_executor(), *store, shop, crm, mapping, es, clk,
                                       std::make_shared<spdlog::logger>("g", std::make_shared<spdlog::sinks::null_sink_mt>()));
    }
    void cycle()
    {
        for (side s : {side::shopify, side::crm}) {
            test::run_task(io, eng->poll_once(s));
            test::run_task(io, eng->sweep_once(s));
        }
        eng->reconcile_pass();
        for (side s : {side::shopify, side::crm})
            while (*test::run_task(io, eng->push_once(s)))
                eng->reconcile_pass();
        clk.advance(5s);
    }
};

} // namespace

TEST_CASE("deleting more people than max_changes_per_cycle holds the deletions and pauses - a higher limit releases them")
{
    rig r;
    for (int i = 0; i < 12; ++i)
        r.crm.person_create({{"email", "p" + std::to_string(i) + "@example.com"}, {"first_name", "P"}});
    r.open(5);
    for (int i = 0; i < 3; ++i)
        r.cycle();
    REQUIRE(r.shop.live().size() == 12);
    // Someone empties most of the CRM.
    for (const auto* rec : r.crm.live())
        if (r.crm.live().size() > 2)
            r.crm.person_delete(rec->id);
    r.cycle();
    r.cycle();
    CHECK(r.shop.live().size() == 12); // nothing deleted in Shopify
    CHECK(r.eng->state() == engine_state::paused);
    CHECK(r.eng->status(side::shopify).push_guard.find("max_changes_per_cycle") != std::string::npos);
    // The operator decides this was intended.
    r.open(100);
    r.cycle();
    r.cycle();
    CHECK(r.shop.live().size() == 2);
    CHECK(r.eng->status(side::shopify).push_guard.empty());
}

TEST_CASE("a side that suddenly lists nothing is not taken as everyone deleted")
{
    rig r;
    // The CRM feed reports no deletions, so only id reconciliation could find them.
    r.crm.faults.feed_reports_deletes = false;
    for (int i = 0; i < 6; ++i)
        r.shop.person_create({{"email", "s" + std::to_string(i) + "@example.com"}, {"first_name", "S"}});
    r.open(1000);
    for (int i = 0; i < 3; ++i)
        r.cycle();
    REQUIRE(r.crm.live().size() == 6);
    for (const auto* rec : r.crm.live())
        r.crm.person_delete(rec->id);
    r.cycle();
    CHECK(r.shop.live().size() == 6);
    CHECK(r.eng->status(side::crm).sweep_guard.find("listed no records") != std::string::npos);
    CHECK(r.eng->state() == engine_state::paused);
    CHECK(r.store->counts().tombstones == 0);
}
