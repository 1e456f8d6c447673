// First sync of N Shopify customers to HubSpot: the real crmsyncd against the in-process sandbox, with
// the emulated limits on (Shopify bucket 2,000 points at 100/s, HubSpot 100 requests per 10 s) or off.
// Prints the wall time, the minimum the limits allow for the same work, requests and throttled answers
// per side, and the daemon's peak RSS, CPU time and state database size.
//
//   build/release/bench/bench_first_sync [--customers 20000] [--limits on|off] [--max-share 1.0]
//                                        [--poll 5s] [--timeout 900] [--log-level info] [--print-log]
//                                        [--restart]   (then: startup to READY on the synced state, RSS, /status)
#include "bench/options.hpp"
#include "tests/fakes/daemon_fixture.hpp"
#include "tests/fakes/proc_stats.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>
#include <iostream>
#include <sstream>
#include <string>
#include <unistd.h>

using namespace crmsync;
using namespace std::chrono;

namespace {

struct args {
    std::size_t customers = 20'000;
    bool limits = true;
    double max_share = 1.0;
    std::string poll = "5s";
    seconds timeout{900};
    std::string log_level = "info";
    bool print_log = false;
    bool restart = false; // then restart on the synced state: time to READY, RSS and a /status request
};

args parse(int argc, char** argv)
{
    args a;
    for (bench::option_reader o(argc, argv); o.next();) {
        const auto& k = o.key();
        if (k == "--customers")
            a.customers = std::stoul(o.value());
        else if (k == "--limits")
            a.limits = o.value() == "on";
        else if (k == "--max-share")
            a.max_share = std::stod(o.value());
        else if (k == "--poll")
            a.poll = o.value();
        else if (k == "--log-level")
            a.log_level = o.value();
        else if (k == "--print-log")
            a.print_log = true;
        else if (k == "--restart")
            a.restart = true;
        else if (k == "--timeout")
            a.timeout = seconds{std::stol(o.value())};
        else
            o.unknown();
    }
    return a;
}

} // namespace

int main(int argc, char** argv)
try {
    const args a = parse(argc, argv);
    const auto so = bench::sandbox_limits(a.limits);
    test::daemon_fixture fx(so);
    fx.sandbox().seed_people(a.customers, 0, 0, 1);

    test::daemon_config_options co;
    co.poll_interval = a.poll;
    co.log_level = a.log_level;
    co.extra_sync = fmt::format("  max_share: {}", a.max_share);
    const auto config = fx.write_config(co);

    const auto t0 = steady_clock::now();
    fx.start(config);
    const pid_t pid = fx.process().pid();
    long hwm_kb = 0;
    double cpu = 0;
    // /status counts the state tables: asked every 20 ms (wait_status) it would be a good share of the
    // daemon's CPU. Every 250 ms, as a dashboard would at most (it refreshes every 2 s).
    bool done = false;
    for (const auto deadline = t0 + a.timeout; !done && steady_clock::now() < deadline;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        hwm_kb = std::max(hwm_kb, test::proc_status_kb(pid, "VmHWM"));
        cpu = test::proc_cpu_seconds(pid);
        if (auto s = fx.status())
            done = test::json_int(*s, "links") == static_cast<std::int64_t>(a.customers) &&
                   test::json_int(*s, "pending") == 0;
    }
    const double wall = duration<double>(steady_clock::now() - t0).count();
    if (!done) {
        std::cerr << "first sync did not finish within " << a.timeout.count() << " s\n" << fx.log().substr(0, 20'000);
        return 1;
    }
    hwm_kb = std::max(hwm_kb, test::proc_status_kb(pid, "VmHWM"));
    cpu = test::proc_cpu_seconds(pid);
    const auto shop = fx.sandbox().shopify().stats();
    const auto hub = fx.sandbox().hubspot().stats();
    fx.stop();
    if (a.print_log)
        std::cout << fx.log();
    std::string restart_report;
    if (a.restart) {
        // Startup on the state just written: from exec to READY (the status endpoint answers ready), then
        // a minute of the steady state (polls of both sides, nothing changed) and one /status request.
        const auto r0 = steady_clock::now();
        fx.start(config);
        const bool ready = fx.wait_status([](const boost::json::object& s) { return s.at("ready").as_bool(); },
                                          std::chrono::minutes{10});
        const double to_ready = duration<double>(steady_clock::now() - r0).count();
        const pid_t rpid = fx.process().pid();
        std::this_thread::sleep_for(std::chrono::seconds{60});
        const auto q0 = steady_clock::now();
        auto st = fx.status();
        const double status_ms = duration<double, std::milli>(steady_clock::now() - q0).count();
        restart_report = fmt::format("  restart: READY after {:.2f} s{}; after a minute RSS {:.1f} MB (peak {:.1f} MB), "
                                     "CPU {:.2f} s, one /status {:.1f} ms (links {})\n",
                                     to_ready, ready ? "" : " (NOT READY)",
                                     static_cast<double>(test::proc_status_kb(rpid, "VmRSS")) / 1024.0,
                                     static_cast<double>(test::proc_status_kb(rpid, "VmHWM")) / 1024.0,
                                     test::proc_cpu_seconds(rpid), status_ms, st ? test::json_int(*st, "links") : -1);
        fx.stop();
    }
    std::uintmax_t db_bytes = 0;
    for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(config).parent_path() / "state"))
        if (e.is_regular_file() && e.path().filename().string().starts_with("state.db"))
            db_bytes += e.file_size();

    std::uint64_t hub_throttled = 0;
    for (const auto& [policy, n] : hub.throttled)
        hub_throttled += n;

    // The minimum the limits allow for this work. The first sync reads all of Shopify before it creates
    // anyone (design.md §5): a bulk export at the emulated export speed, then HubSpot's writes, of which a
    // rolling window admits `window` per 10 s (the first window is full when the writes start).
    const auto& bulk = so.shopify.bulk;
    const double scan = duration<double>(bulk.start_delay).count() + static_cast<double>(a.customers) / bulk.objects_per_second;
    const double writes = std::ceil(static_cast<double>(a.customers) / 100.0);
    auto write_time = [&](double window) { return std::floor((writes - 1) / window) * 10.0; };
    const double bound_api = a.limits ? scan + write_time(100) : 0;
    const double bound_share = a.limits ? scan + write_time(std::floor(100 * a.max_share)) : 0;

    fmt::print("first sync: {} customers, limits {}, max_share {}\n", a.customers, a.limits ? "on" : "off", a.max_share);
    fmt::print("  wall time               {:.1f} s\n", wall);
    if (a.limits) {
        fmt::print("  bound (API limits)      {:.1f} s = bulk export {:.1f} s + {} HubSpot batch writes at 100 per 10 s\n",
                   bound_api, scan, writes);
        fmt::print("  bound (at max_share)    {:.1f} s\n", bound_share);
        fmt::print("  efficiency vs API bound {:.0f} %\n", 100.0 * bound_api / wall);
    }
    fmt::print("  shopify requests        {} (throttled {}, {:.2f} %), cost spent {}\n", shop.requests, shop.throttled,
               shop.requests ? 100.0 * static_cast<double>(shop.throttled) / static_cast<double>(shop.requests) : 0.0,
               shop.cost_spent);
    fmt::print("  hubspot requests        {} (429 {}, {:.2f} %), writes {}, searches {}\n", hub.requests, hub_throttled,
               hub.requests ? 100.0 * static_cast<double>(hub_throttled) / static_cast<double>(hub.requests) : 0.0,
               hub.writes, hub.searches);
    fmt::print("  daemon peak RSS         {:.1f} MB\n", static_cast<double>(hwm_kb) / 1024.0);
    fmt::print("  daemon CPU              {:.2f} s ({:.0f} us per record)\n", cpu,
               1e6 * cpu / static_cast<double>(a.customers));
    fmt::print("  state db                {:.1f} MB ({:.0f} bytes per person)\n", static_cast<double>(db_bytes) / 1e6,
               static_cast<double>(db_bytes) / static_cast<double>(a.customers));
    std::cout << restart_report;
    return 0;
} catch (const std::exception& e) {
    std::cerr << "bench_first_sync: " << e.what() << "\n";
    return 2;
}
