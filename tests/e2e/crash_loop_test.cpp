// Crash loop (issue 7): the real crmsyncd, two-way against the sandbox, killed with SIGKILL at 50 random
// instants of a first sync of 2,000 people and of the edit traffic that follows, restarted each time. At the
// end: every person exactly once on each side, paired one-to-one (each contact names its customer), every
// last person edit on both sides, PRAGMA integrity_check ok, and a quiet period writes nothing.
#include "tests/fakes/convergence.hpp"
#include "tests/fakes/daemon_fixture.hpp"

#include <doctest/doctest.h>

#include <random>
#include <thread>

using namespace crmsync;
using namespace std::chrono_literals;

TEST_CASE("kill -9 at 50 random instants of a two-way first sync and of edit traffic: converges, nothing twice or lost")
{
    const std::uint64_t seed = std::random_device{}();
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    test::daemon_fixture fx;
    fx.sandbox().seed_people(1800, 400, 200, seed % 1000); // 2,000 people, 200 on both sides
    const auto config = fx.write_config({.direction = "two_way",
                                         .poll_interval = "1s",
                                         .extra_sync = "  create_in_shopify: true\n",
                                         .log_level = "info"});
    auto& shop = fx.sandbox().shopify();
    auto& hs = fx.sandbox().hubspot();
    test::person_edits edits;

    const auto t0 = std::chrono::steady_clock::now();
    for (int round = 0; round < 50; ++round) {
        fx.start(config);
        // The first 25 kills land in the first sync; the others while people edit both sides.
        if (round >= 25)
            edits.make(fx.sandbox(), rng, 5);
        std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 700));
        fx.kill9();
    }
    MESSAGE("50 start/kill rounds took "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count()
            << " ms");
    edits.make(fx.sandbox(), rng, 5);
    const auto t_loop = std::chrono::steady_clock::now();
    fx.start(config);
    REQUIRE_MESSAGE(fx.wait_synced(2000, 240s), fx.log().substr(0, 20'000));
    MESSAGE("after the last kill, converged in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t_loop).count()
            << " ms");
    // Two more polls of each side after the last edits, then settled again.
    std::this_thread::sleep_for(3s);
    REQUIRE(fx.wait_synced(2000, 60s));

    const auto writes = shop.stats().writes + hs.stats().writes;
    std::this_thread::sleep_for(4s);
    CHECK(shop.stats().writes + hs.stats().writes == writes);
    CHECK(fx.stop() == 0);

    const auto r = test::check_convergence(fx.sandbox(), edits, fx.dir().file("state/state.db"));
    INFO(r.details);
    CHECK(r.customers == 2000);
    CHECK(r.contacts == 2000);
    CHECK(r.unpaired == 0);
    CHECK(r.paired == 2000);
    CHECK(r.integrity == "ok");
    CHECK_MESSAGE(r.unexplained == 0, r.unexplained << " of " << edits.people() << " last edits missing (" << r.missing
                                                    << " not on the other side)");
    MESSAGE("50 kills, " << edits.people() << " people with last edits checked, seed " << seed);
}
