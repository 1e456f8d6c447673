// Fault matrix (issue 7): the real crmsyncd, two-way against the sandbox, first sync of 400 Shopify customers and 400 HubSpot contacts (150 on both sides: 650 people) while people edit both sides,
// with one fault kind injected on one side at 15 % of that side's API requests — every kind, each side — and
// all kinds mixed at 15 % on both sides. Each run must converge with every person once per side, paired
// one-to-one, every last person edit on the other side, integrity ok, and at most 3× the API requests of the
// fault-free run made in the same test. The emulators' rate limits are off (pacing has its own tests; 429 and
// THROTTLED are among the injected faults), so that the 27 runs fit in the suite's time.
#include "tests/fakes/convergence.hpp"
#include "tests/fakes/daemon_fixture.hpp"
#include "tests/fakes/stress.hpp"

#include <doctest/doctest.h>

#include <thread>

using namespace crmsync;
using namespace std::chrono_literals;
using sandbox::fault_kind;
using sandbox::fault_rule;

namespace {

constexpr std::size_t people = 650;
constexpr double rate = 0.15;

struct faults {
    std::vector<fault_rule> shopify, hubspot;
};

struct run_result {
    std::uint64_t requests = 0; // both sides' API requests until convergence
    std::uint64_t injected = 0;
    std::chrono::milliseconds took{};
};

std::string describe(const test::convergence_report& r)
{
    return "customers " + std::to_string(r.customers) + ", contacts " + std::to_string(r.contacts) + ", unpaired " +
           std::to_string(r.unpaired) + ", paired " + std::to_string(r.paired) + ", integrity " + r.integrity +
           ", missing edits " + std::to_string(r.missing) + " (unexplained " + std::to_string(r.unexplained) + ")\n" +
           r.details;
}

run_result run(const faults& f, std::uint64_t seed)
{
    sandbox::sandbox_options so;
    so.shopify.limits.enabled = false;
    so.hubspot.limits.enabled = false;
    test::daemon_fixture fx(so);
    fx.sandbox().seed_people(400, 400, 150, seed);
    const auto config = test::write_stress_config(fx, "1s");
    auto& shop = fx.sandbox().shopify();
    auto& hs = fx.sandbox().hubspot();
    for (const auto& r : f.shopify)
        shop.faults().add(r);
    for (const auto& r : f.hubspot)
        hs.faults().add(r);
    std::mt19937_64 rng(seed);
    test::person_edits edits;

    const auto t0 = std::chrono::steady_clock::now();
    fx.start(config);
    std::this_thread::sleep_for(500ms);
    edits.make(fx.sandbox(), rng, 15, true); // while the first sync runs (people not yet paired)
    REQUIRE_MESSAGE(fx.wait_synced(people, 240s), fx.log().substr(0, 30'000));
    edits.make(fx.sandbox(), rng, 15); // once it is done
    std::this_thread::sleep_for(2500ms);
    REQUIRE(fx.wait_synced(people, 120s));
    const bool visible = test::wait_until(
        [&] { return test::check_convergence(fx.sandbox(), edits, "").missing == 0; }, 30s);
    run_result out;
    out.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    out.requests = shop.stats().requests + hs.stats().requests;
    out.injected = shop.faults().fired() + hs.faults().fired();
    CHECK(fx.stop() == 0);
    const auto r = test::check_convergence(fx.sandbox(), edits, fx.dir().file("state/state.db"));
    CHECK_MESSAGE(r.ok(people), describe(r));
    if (!visible)
        MESSAGE("edits still missing after 30 s; explained by recorded first-sync conflicts: "
                << r.missing - r.unexplained << " of " << r.missing);
    return out;
}

void matrix(const std::string& name, const std::vector<std::pair<std::string, faults>>& cases)
{
    const auto base = run({}, 21);
    MESSAGE(name << " fault-free: " << base.requests << " requests, " << base.took.count() << " ms");
    for (const auto& c : cases) {
        const auto& label = c.first; // INFO captures it: not a structured binding (clang 14)
        const auto& f = c.second;
        INFO(label);
        const auto r = run(f, 21);
        MESSAGE(label << ": " << r.injected << " faults injected, " << r.requests << " requests ("
                      << static_cast<double>(r.requests) / static_cast<double>(base.requests) << "× fault-free), "
                      << r.took.count() << " ms");
        CHECK(r.injected > 0);
        CHECK(r.requests <= 3 * base.requests);
    }
}

// The kinds [from, to) of every_fault_kind() alone on one side (THROTTLED only on Shopify).
std::vector<std::pair<std::string, faults>> one_side(bool shopify, std::size_t from, std::size_t to)
{
    std::vector<std::pair<std::string, faults>> cases;
    const auto& kinds = test::every_fault_kind();
    for (std::size_t i = from; i < std::min(to, kinds.size()); ++i) {
        const auto k = kinds[i];
        if (!shopify && k == fault_kind::throttled)
            continue; // Shopify's THROTTLED has no HubSpot form (the emulator answers 429 like http_429)
        faults f;
        (shopify ? f.shopify : f.hubspot).push_back(test::fault(k, rate));
        cases.emplace_back(std::string(shopify ? "Shopify " : "HubSpot ") + std::string(to_string(k)) + " at 15 %",
                           std::move(f));
    }
    return cases;
}

} // namespace

// Five cases, so that ctest runs them side by side; each measures its own fault-free run.
TEST_CASE("fault matrix: Shopify answers 500, 502, 503, 504, 429 or THROTTLED to 15 % of requests")
{
    matrix("Shopify", one_side(true, 0, 6));
}

TEST_CASE("fault matrix: Shopify resets, stalls, trickles, truncates or drops the answer to an applied write")
{
    matrix("Shopify", one_side(true, 6, 11));
}

TEST_CASE("fault matrix: HubSpot answers 500, 502, 503, 504 or 429 to 15 % of requests")
{
    matrix("HubSpot", one_side(false, 0, 6));
}

TEST_CASE("fault matrix: HubSpot resets, stalls, trickles, truncates or drops the answer to an applied write")
{
    matrix("HubSpot", one_side(false, 6, 11));
}

TEST_CASE("fault matrix: every fault kind mixed at 15 % on both sides")
{
    matrix("mixed", {{"every kind mixed at 15 % on both sides",
                      faults{test::mixed_faults(rate, true), test::mixed_faults(rate, false)}}});
}
