// What crmsyncd costs when nothing changes: the real daemon against the in-process sandbox, after the first
// sync of N people has settled, left alone for `--minutes` with polls every `--poll` on both sides. Prints
// the daemon's CPU seconds and the requests to each side during the idle period, raw and extrapolated to an
// hour, the writes it made (there should be none), and its resident set at the end.
//
// Two-way by default: N people = customers and contacts seeded on both sides, a tenth of them sharing an
// e-mail so the first sync pairs some and creates the rest on the other side. `--direction shopify_to_crm`
// seeds N Shopify customers only.
//
// The bench asks nothing of the daemon during the idle period (its /status counts the state tables, which
// would show up in the CPU figure). The hourly reconciliation (sync.reconcile_interval, 1h by default, a
// full read of each side) falls outside a period of a few minutes and so is not in the per-hour figures.
//
//   build/release/bench/bench_idle [--people 2000] [--minutes 5] [--poll 30s] [--direction two_way|shopify_to_crm]
//                                  [--limits on|off] [--settle SECONDS] [--log-level info] [--print-log]
#include "bench/options.hpp"
#include "config/scalars.hpp"
#include "tests/fakes/daemon_fixture.hpp"
#include "tests/fakes/proc_stats.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

using namespace crmsync;
using namespace std::chrono;
namespace json = boost::json;

namespace {

struct args {
    std::size_t people = 2000;
    double minutes = 5;
    std::string poll = "30s";
    std::string direction = "two_way";
    bool limits = true;
    std::optional<double> settle_s; // default: one poll interval + 5 s
    std::string log_level = "info";
    bool print_log = false;
};

// The poll interval in seconds, read as the config reads it (it goes into the config).
double duration_seconds(const std::string& text)
{
    auto d = config_detail::parse_duration(text);
    if (const auto* why = std::get_if<std::string>(&d))
        throw std::runtime_error("--poll: " + *why);
    return std::chrono::duration<double>(std::get<std::chrono::milliseconds>(d)).count();
}

args parse(int argc, char** argv)
{
    args a;
    for (bench::option_reader o(argc, argv); o.next();) {
        const auto& k = o.key();
        if (k == "--people")
            a.people = std::stoul(o.value());
        else if (k == "--minutes")
            a.minutes = std::stod(o.value());
        else if (k == "--poll")
            a.poll = o.value();
        else if (k == "--direction")
            a.direction = o.value();
        else if (k == "--limits")
            a.limits = o.value() == "on";
        else if (k == "--settle")
            a.settle_s = std::stod(o.value());
        else if (k == "--log-level")
            a.log_level = o.value();
        else if (k == "--print-log")
            a.print_log = true;
        else
            o.unknown();
    }
    if (a.direction != "two_way" && a.direction != "shopify_to_crm")
        throw std::runtime_error("--direction is two_way or shopify_to_crm");
    if (a.people == 0 || a.minutes <= 0)
        throw std::runtime_error("--people and --minutes must be positive");
    duration_seconds(a.poll); // fails early on a bad value
    return a;
}

bool settled(const json::object& s, std::size_t people)
{
    return test::json_int(s, "links") == static_cast<std::int64_t>(people) && test::json_int(s, "pending") == 0 &&
           test::json_int(s, "dirty") == 0 && s.contains("initial_sync_complete") &&
           s.at("initial_sync_complete").is_bool() && s.at("initial_sync_complete").as_bool();
}

double ratio(double x, double y) { return y > 0 ? x / y : 0.0; }

} // namespace

int main(int argc, char** argv)
try {
    const args a = parse(argc, argv);
    const auto so = bench::sandbox_limits(a.limits);
    test::daemon_fixture fx(so);

    // N linked people in the end: customers + contacts - shared.
    std::size_t customers = a.people, contacts = 0, shared = 0;
    if (a.direction == "two_way") {
        shared = a.people / 10;
        customers = (a.people + shared + 1) / 2;
        contacts = a.people + shared - customers;
    }
    fx.sandbox().seed_people(customers, contacts, shared, 7);

    test::daemon_config_options co;
    co.direction = a.direction;
    co.poll_interval = a.poll;
    co.log_level = a.log_level;
    if (a.direction == "two_way")
        co.extra_sync = "  create_in_shopify: true\n";
    const auto config = fx.write_config(co);

    const auto t0 = steady_clock::now();
    fx.start(config);
    const pid_t pid = fx.process().pid();
    auto is_settled = [&](const json::object& s) { return settled(s, a.people); };
    if (!fx.wait_status(is_settled, seconds{900})) {
        std::cerr << "first sync did not finish within 900 s\n" << fx.log().substr(0, 20'000);
        return 2;
    }
    const double first_sync_s = duration<double>(steady_clock::now() - t0).count();
    // The first poll after the sync reads back the daemon's own writes (their echoes): let it pass.
    const double settle_s = a.settle_s.value_or(duration_seconds(a.poll) + 5);
    std::this_thread::sleep_for(duration<double>(settle_s));
    if (!fx.wait_status(is_settled, seconds{120})) {
        std::cerr << "the daemon did not settle after the first sync\n" << fx.log().substr(0, 20'000);
        return 2;
    }

    // The idle period: nothing changes and the bench asks the daemon nothing.
    auto& shop = fx.sandbox().shopify();
    auto& hub = fx.sandbox().hubspot();
    const auto shop0 = shop.stats();
    const auto hub0 = hub.stats();
    const double cpu0 = test::proc_cpu_seconds(pid);
    const auto idle0 = steady_clock::now();
    std::this_thread::sleep_for(duration<double>(a.minutes * 60));
    const double cpu1 = test::proc_cpu_seconds(pid);
    const double idle_s = duration<double>(steady_clock::now() - idle0).count();
    const auto shop1 = shop.stats();
    const auto hub1 = hub.stats();
    const long rss_kb = test::proc_status_kb(pid, "VmRSS");
    const long hwm_kb = test::proc_status_kb(pid, "VmHWM");
    const bool still = fx.status().has_value();
    fx.stop();
    if (a.print_log)
        std::cout << fx.log();

    const double per_hour = 3600.0 / idle_s;
    const double cpu = cpu1 - cpu0;
    const auto shop_req = shop1.requests - shop0.requests;
    const auto shop_q = shop1.queries - shop0.queries;
    const auto shop_m = shop1.mutations - shop0.mutations;
    const auto shop_w = shop1.writes - shop0.writes;
    const auto shop_cost = shop1.cost_spent - shop0.cost_spent;
    const auto hub_req = hub1.requests - hub0.requests;
    const auto hub_r = hub1.reads - hub0.reads;
    const auto hub_s = hub1.searches - hub0.searches;
    const auto hub_w = hub1.writes - hub0.writes;
    auto ph = [&](std::uint64_t n) { return static_cast<double>(n) * per_hour; };

    fmt::print("idle: {} people ({}: {} customers, {} contacts, {} shared e-mails), poll {}, limits {}\n", a.people,
               a.direction, customers, contacts, shared, a.poll, a.limits ? "on" : "off");
    fmt::print("  first sync until settled  {:.1f} s, then {:.0f} s settling\n", first_sync_s, settle_s);
    fmt::print("  idle period               {:.1f} s (x {:.2f} for an hour)\n", idle_s, per_hour);
    fmt::print("  daemon CPU                {:.2f} s -> {:.1f} s per hour ({:.3f} % of a core)\n", cpu, cpu * per_hour,
               100.0 * ratio(cpu, idle_s));
    fmt::print("  shopify requests          {} (queries {}, mutations {}, writes {}, cost {}) -> {:.0f} per hour "
               "(cost {:.0f} per hour)\n",
               shop_req, shop_q, shop_m, shop_w, shop_cost, ph(shop_req), ph(shop_cost));
    fmt::print("  hubspot requests          {} (reads {}, searches {}, writes {}) -> {:.0f} per hour\n", hub_req, hub_r,
               hub_s, hub_w, ph(hub_req));
    fmt::print("  writes while idle         {} {}\n", shop_w + hub_w, shop_w + hub_w == 0 ? "(none, as it should be)" : "(SHOULD BE 0)");
    fmt::print("  daemon RSS at the end     {:.1f} MB (peak {:.1f} MB)\n", static_cast<double>(rss_kb) / 1024.0,
               static_cast<double>(hwm_kb) / 1024.0);
    if (!still) {
        std::cerr << "the daemon stopped answering during the idle period\n";
        return 1;
    }
    return shop_w + hub_w == 0 ? 0 : 1;
} catch (const std::exception& e) {
    std::cerr << "bench_idle: " << e.what() << "\n";
    return 2;
}
