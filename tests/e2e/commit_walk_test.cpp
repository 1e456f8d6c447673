// Crash walk (issue 7): the real crmsyncd, two-way against the sandbox, killed with SIGKILL just before and
// just after each of its commits to the state file during a first sync (CRMSYNC_KILL_AT_COMMIT), one fresh
// world per point, with person edits on both sides before the start and while it is down. Every point must
// converge: each person once per side, paired one-to-one, the last edits on the other side, integrity ok.
// The walk ends at the first commit that comes after the first sync has finished (polls' commits from then
// on are the steady state the crash loop covers).
#include "tests/fakes/convergence.hpp"
#include "tests/fakes/daemon_fixture.hpp"

#include "core/state_store.hpp"

#include <doctest/doctest.h>


using namespace crmsync;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t people = 60; // 40 customers, 30 contacts, 10 on both sides

bool first_sync_done(const std::string& state_db)
{
    auto store = state_store::open(state_db);
    if (!store)
        return false;
    const auto c = (*store)->counts();
    return c.links == static_cast<std::int64_t>(people) && c.pending == 0 && c.dirty == 0;
}

} // namespace

TEST_CASE("kill -9 before and after every state commit of a two-way first sync: each point converges")
{
    int points = 0;
    bool walked_past_first_sync = false;
    for (int n = 1; n <= 400 && !walked_past_first_sync; ++n) {
        for (const bool after : {false, true}) {
            const auto point = std::to_string(n) + (after ? ":after" : "");
            INFO("kill point " << point);
            test::daemon_fixture fx;
            fx.sandbox().seed_people(40, 30, 10, 7);
            const auto config = fx.write_config({.direction = "two_way",
                                                 .poll_interval = "1s",
                                                 .extra_sync = "  create_in_shopify: true\n",
                                                 .log_level = "info"});
            std::mt19937_64 rng(static_cast<std::uint64_t>(n) * 2 + after);
            test::person_edits edits;
            edits.make(fx.sandbox(), rng, 3, true);
            fx.launch(config, {{"CRMSYNC_KILL_AT_COMMIT", point}});
            REQUIRE_MESSAGE(test::wait_until([&] { return !fx.running(); }, 60s), fx.log());
            if (first_sync_done(fx.dir().file("state/state.db"))) {
                walked_past_first_sync = true;
                break;
            }
            edits.make(fx.sandbox(), rng, 3, true);
            fx.start(config);
            REQUIRE_MESSAGE(fx.wait_synced(people, 60s), fx.log());
            // The edits made while it was down arrive with the next polls.
            test::wait_until([&] { return test::check_convergence(fx.sandbox(), edits, "").missing == 0; }, 5s);
            REQUIRE(fx.wait_synced(people, 30s));
            CHECK(fx.stop() == 0);
            const auto r = test::check_convergence(fx.sandbox(), edits, fx.dir().file("state/state.db"));
            CHECK_MESSAGE(r.ok(people), "customers " << r.customers << ", contacts " << r.contacts << ", unpaired "
                                                     << r.unpaired << ", paired " << r.paired << ", integrity "
                                                     << r.integrity << ", missing edits " << r.missing
                                                     << " (unexplained " << r.unexplained << ")\n"
                                                     << r.details);
            ++points;
        }
    }
    CHECK(walked_past_first_sync);
    MESSAGE(points << " kill points walked (before and after each commit of the first sync)");
}
