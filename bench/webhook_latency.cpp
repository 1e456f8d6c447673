// Shopify edit -> webhook -> HubSpot latency under load: the real crmsyncd against the in-process sandbox,
// with polls every five minutes so that webhooks are the only path (as tests/e2e/webhooks_test.cpp sets
// it up), after a first sync of N customers into HubSpot.
//
// For each rate R the bench makes R Shopify customer edits per second for `--seconds` seconds, open loop
// (edit i is due at start + i/R whether or not the earlier ones arrived), each to a different customer
// with a value never used before, and watches HubSpot in-process every `--observe-ms` ms, asking only for
// the contacts of the edits still outstanding (one get_contact each), so watching costs next to nothing.
// Latency = from just before the edit is made in the Shopify emulator to the first observation of the
// value in HubSpot (so it includes up to one observation period). Per rate it prints edits made and
// delivered, p50/p90/p99/max latency, the daemon's CPU over the phase, and requests per edit on both
// sides (HubSpot requests per edit < 1 means batching), and the delivery part of the latency: edit -> the
// emulator saw the daemon answer the webhook (the rest is the daemon's re-read and HubSpot write). Each
// rate starts 11 s after the previous one drained, so that it finds the daemon's HubSpot budget (a 10 s
// rolling window) full. An edit not in HubSpot 30 s after it was made is a failure: exit code 1.
//
//   build/release/bench/bench_webhook_latency [--rates 1,10,50] [--seconds 20] [--customers 2000]
//                                             [--limits on|off] [--max-share 0.8] [--observe-ms 2] [--log-level info]
//                                             [--print-log]
#include "bench/options.hpp"
#include "tests/fakes/daemon_fixture.hpp"
#include "tests/fakes/proc_stats.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace crmsync;
using namespace std::chrono;
namespace json = boost::json;

namespace {

constexpr auto delivery_deadline = seconds{30}; // an edit not in HubSpot by then is a failure
constexpr double target_p99_ms = 250;

struct args {
    std::vector<int> rates{1, 10, 50};
    int seconds = 20;
    std::size_t customers = 2000;
    bool limits = true;
    std::string max_share; // sync.max_share; empty: the daemon's default (0.8)
    int observe_ms = 2;
    std::string log_level = "info";
    bool print_log = false;
};

args parse(int argc, char** argv)
{
    args a;
    for (bench::option_reader o(argc, argv); o.next();) {
        const auto& k = o.key();
        if (k == "--rates") {
            a.rates.clear();
            std::istringstream in(o.value());
            for (std::string r; std::getline(in, r, ',');)
                if (!r.empty())
                    a.rates.push_back(std::stoi(r));
        } else if (k == "--seconds")
            a.seconds = std::stoi(o.value());
        else if (k == "--customers")
            a.customers = std::stoul(o.value());
        else if (k == "--limits")
            a.limits = o.value() == "on";
        else if (k == "--max-share")
            a.max_share = o.value();
        else if (k == "--observe-ms")
            a.observe_ms = std::stoi(o.value());
        else if (k == "--log-level")
            a.log_level = o.value();
        else if (k == "--print-log")
            a.print_log = true;
        else
            o.unknown();
    }
    if (a.rates.empty() || std::any_of(a.rates.begin(), a.rates.end(), [](int r) { return r <= 0; }))
        throw std::runtime_error("--rates needs positive edits per second");
    if (a.seconds <= 0 || a.customers == 0 || a.observe_ms <= 0)
        throw std::runtime_error("--seconds, --customers and --observe-ms must be positive");
    return a;
}

// Nearest-rank percentile of sorted values.
double percentile(const std::vector<double>& sorted, double p)
{
    if (sorted.empty())
        return 0;
    auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
    return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

struct person {
    std::uint64_t shopify_id = 0;
    std::string hubspot_id;
};

struct edit {
    const person* who = nullptr;
    std::string value;
    steady_clock::time_point made;
};

struct phase_result {
    int rate = 0;
    std::size_t made = 0, delivered = 0, failed = 0, edit_errors = 0;
    std::vector<double> latencies_ms; // sorted
    // Edit -> the emulator's webhook answered 2xx by the daemon (stored in its inbox): the delivery part of
    // the latency. Only when deliveries match edits one to one (else empty).
    std::vector<double> webhook_ms;   // sorted
    double schedule_lag_max_ms = 0;   // how late the bench made an edit against its schedule
    double wall_s = 0;
    double cpu_s = 0;
    std::uint64_t hub_requests = 0, hub_reads = 0, hub_writes = 0, hub_searches = 0, hub_throttled = 0;
    std::uint64_t shop_requests = 0, deliveries = 0, delivery_failures = 0;
};

phase_result run_phase(test::daemon_fixture& fx, const std::vector<person>& people, std::size_t& next_person, int rate,
                       const args& a)
{
    auto& shop = fx.sandbox().shopify();
    auto& hub = fx.sandbox().hubspot();
    const pid_t pid = fx.process().pid();
    const std::size_t n = static_cast<std::size_t>(rate) * static_cast<std::size_t>(a.seconds);
    const auto period = duration_cast<steady_clock::duration>(duration<double>(1.0 / rate));
    const auto observe = milliseconds{a.observe_ms};

    phase_result r;
    r.rate = rate;
    const auto hub0 = hub.stats();
    const auto shop0 = shop.stats();
    const auto del0 = shop.deliveries().stats();
    const double cpu0 = test::proc_cpu_seconds(pid);
    const auto start = steady_clock::now() + milliseconds{10};
    auto due = [&](std::size_t i) { return start + period * static_cast<std::int64_t>(i); };

    std::vector<edit> outstanding;
    // Deliveries go out one at a time in queue order, one per edit (one customers/update subscription):
    // the k-th delivery answered belongs to the k-th edit made.
    std::vector<steady_clock::time_point> made_at;
    std::size_t next = 0;
    while (next < n || !outstanding.empty()) {
        auto now = steady_clock::now();
        // Every edit that is due, at once when the bench is late: the schedule does not wait for HubSpot.
        while (next < n && due(next) <= now) {
            const person& p = people[next_person++ % people.size()];
            edit e{&p, fmt::format("Wh{}r{}n{}", next_person, rate, next), steady_clock::now()};
            r.schedule_lag_max_ms =
                std::max(r.schedule_lag_max_ms, duration<double, std::milli>(e.made - due(next)).count());
            ++next;
            ++r.made;
            json::object fields;
            fields["firstName"] = e.value;
            if (!shop.update_customer(p.shopify_id, fields).has_value()) {
                ++r.edit_errors;
                continue;
            }
            made_at.push_back(e.made);
            outstanding.push_back(std::move(e));
            now = steady_clock::now();
        }
        now = steady_clock::now();
        for (auto d = shop.deliveries().stats().deliveries - del0.deliveries; r.webhook_ms.size() < d;) {
            if (r.webhook_ms.size() >= made_at.size())
                break;
            r.webhook_ms.push_back(duration<double, std::milli>(now - made_at[r.webhook_ms.size()]).count());
        }
        // Only the edits still outstanding: a lookup by id each.
        std::erase_if(outstanding, [&](const edit& e) {
            auto c = hub.get_contact(e.who->hubspot_id);
            if (c) {
                auto it = c->properties.find("firstname");
                if (it != c->properties.end() && it->second == e.value) {
                    r.latencies_ms.push_back(duration<double, std::milli>(now - e.made).count());
                    ++r.delivered;
                    return true;
                }
            }
            if (now - e.made > delivery_deadline) {
                ++r.failed;
                return true;
            }
            return false;
        });
        auto wake = now + observe;
        if (next < n)
            wake = std::min(wake, due(next));
        std::this_thread::sleep_until(wake);
    }
    // The daemon finishes its bookkeeping (state commit) after the HubSpot write answered: a short grace.
    std::this_thread::sleep_for(milliseconds{250});
    r.wall_s = duration<double>(steady_clock::now() - start).count();
    r.cpu_s = test::proc_cpu_seconds(pid) - cpu0;
    const auto hub1 = hub.stats();
    const auto shop1 = shop.stats();
    const auto del1 = shop.deliveries().stats();
    r.hub_requests = hub1.requests - hub0.requests;
    r.hub_reads = hub1.reads - hub0.reads;
    r.hub_writes = hub1.writes - hub0.writes;
    r.hub_searches = hub1.searches - hub0.searches;
    for (const auto& [policy, count] : hub1.throttled)
        r.hub_throttled += count - (hub0.throttled.contains(policy) ? hub0.throttled.at(policy) : 0);
    r.shop_requests = shop1.requests - shop0.requests;
    r.deliveries = del1.deliveries - del0.deliveries;
    r.delivery_failures = del1.failures - del0.failures;
    std::sort(r.latencies_ms.begin(), r.latencies_ms.end());
    if (r.deliveries != made_at.size() || del1.duplicates != del0.duplicates || r.delivery_failures)
        r.webhook_ms.clear(); // the one-to-one reading does not hold
    std::sort(r.webhook_ms.begin(), r.webhook_ms.end());
    return r;
}

} // namespace

int main(int argc, char** argv)
try {
    const args a = parse(argc, argv);
    const auto so = bench::sandbox_limits(a.limits);
    test::daemon_fixture fx(so);
    fx.sandbox().seed_people(a.customers, 0, 0, 1);

    const auto port = test::free_port();
    test::daemon_config_options co;
    co.poll_interval = "5m"; // webhooks are the only path during the phases
    co.log_level = a.log_level;
    co.http_port = port;
    if (!a.max_share.empty())
        co.extra_sync = fmt::format("  max_share: {}\n", a.max_share);
    co.extra_shopify = fmt::format("  webhooks:\n    path: /webhooks/shopify\n    public_url: http://127.0.0.1:{}/webhooks/shopify",
                                   port);
    const auto config = fx.write_config(co);

    const auto t0 = steady_clock::now();
    fx.start(config);
    if (!fx.wait_synced(static_cast<std::int64_t>(a.customers), seconds{600})) {
        std::cerr << "first sync did not finish within 600 s\n" << fx.log().substr(0, 20'000);
        return 2;
    }
    const double first_sync_s = duration<double>(steady_clock::now() - t0).count();
    const bool subscribed = test::wait_until(
        [&] {
            for (const auto& sub : fx.sandbox().shopify().webhook_subscriptions())
                if (json::serialize(sub).find(fmt::format("127.0.0.1:{}", port)) != std::string::npos)
                    return true;
            return false;
        },
        seconds{30});
    if (!subscribed) {
        std::cerr << "crmsyncd did not subscribe to webhooks\n" << fx.log().substr(0, 20'000);
        return 2;
    }

    // Shopify customer -> its HubSpot contact, once, so that watching an edit is one lookup by id.
    std::map<std::string, std::string> contact_of;
    for (const auto& c : fx.sandbox().hubspot().list_contacts())
        if (auto it = c.properties.find("shopify_customer_id"); it != c.properties.end())
            contact_of[it->second] = c.id;
    std::vector<person> people;
    for (const auto& c : fx.sandbox().shopify().list_customers()) {
        const std::string id(c.as_object().at("legacyResourceId").as_string());
        if (auto it = contact_of.find(id); it != contact_of.end())
            people.push_back({std::stoull(id), it->second});
    }
    if (people.size() != a.customers) {
        std::cerr << fmt::format("{} of {} customers have a HubSpot contact after the first sync\n", people.size(),
                                 a.customers);
        return 2;
    }

    fmt::print("webhook latency: {} linked customers (first sync {:.1f} s), limits {}, max_share {}, polls every 5m, "
               "{} s per rate, observed every {} ms\n",
               a.customers, first_sync_s, a.limits ? "on" : "off", a.max_share.empty() ? "default" : a.max_share,
               a.seconds, a.observe_ms);
    std::vector<phase_result> results;
    std::size_t next_person = 0;
    for (int rate : a.rates) {
        if (static_cast<std::size_t>(rate) * static_cast<std::size_t>(a.seconds) > people.size())
            fmt::print("  note: {} edits at {}/s outnumber the {} customers: some customers are edited twice\n",
                       rate * a.seconds, rate, people.size());
        // Each rate starts with the daemon's HubSpot budget full again: the requests of the first sync or of the
        // previous rate leave the 10-second rolling window first.
        std::this_thread::sleep_for(seconds{11});
        results.push_back(run_phase(fx, people, next_person, rate, a));
        const auto& r = results.back();
        fmt::print("  {:>4}/s: edits {} delivered {} failed {}{} | latency ms p50 {:.1f} p90 {:.1f} p99 {:.1f} max {:.1f} | "
                   "daemon CPU {:.2f} s ({:.0f} % of a core, {:.2f} ms per edit) | HubSpot requests {} ({:.2f} per edit: reads {} writes {} searches {}, 429 {}), "
                   "Shopify requests {} ({:.2f} per edit), webhooks delivered {} (failed attempts {}) | "
                   "schedule lag max {:.1f} ms\n"
                   "          edit -> webhook answered by the daemon: {}\n",
                   r.rate, r.made, r.delivered, r.failed, r.edit_errors ? fmt::format(" edit errors {}", r.edit_errors) : "",
                   percentile(r.latencies_ms, 0.50), percentile(r.latencies_ms, 0.90), percentile(r.latencies_ms, 0.99),
                   r.latencies_ms.empty() ? 0.0 : r.latencies_ms.back(), r.cpu_s, 100.0 * r.cpu_s / r.wall_s,
                   r.made ? 1e3 * r.cpu_s / static_cast<double>(r.made) : 0.0, r.hub_requests,
                   r.made ? static_cast<double>(r.hub_requests) / static_cast<double>(r.made) : 0.0, r.hub_reads, r.hub_writes,
                   r.hub_searches, r.hub_throttled, r.shop_requests,
                   r.made ? static_cast<double>(r.shop_requests) / static_cast<double>(r.made) : 0.0, r.deliveries,
                   r.delivery_failures, r.schedule_lag_max_ms,
                   r.webhook_ms.empty()
                       ? std::string("n/a (deliveries do not match edits one to one)")
                       : fmt::format("p50 {:.1f} p90 {:.1f} p99 {:.1f} max {:.1f} ms", percentile(r.webhook_ms, 0.50),
                                     percentile(r.webhook_ms, 0.90), percentile(r.webhook_ms, 0.99), r.webhook_ms.back()));
        std::cout.flush();
        // Quiet before the next rate: nothing pending in the daemon (asked outside the measured phase).
        fx.wait_status([](const json::object& s) { return test::json_int(s, "pending") == 0; }, seconds{60});
    }

    bool ok = true;
    for (const auto& r : results) {
        const double p99 = percentile(r.latencies_ms, 0.99);
        fmt::print("  {:>4}/s: p99 {:.1f} ms, target <= {:.0f} ms: {}\n", r.rate, p99, target_p99_ms,
                   p99 <= target_p99_ms ? "met" : "MISSED");
        if (r.failed || r.edit_errors || r.delivered != r.made)
            ok = false;
    }
    if (!ok)
        fmt::print("FAILURE: edits not in HubSpot within {} s (or not made)\n", delivery_deadline.count());
    fx.stop();
    if (a.print_log)
        std::cout << fx.log();
    return ok ? 0 : 1;
} catch (const std::exception& e) {
    std::cerr << "bench_webhook_latency: " << e.what() << "\n";
    return 2;
}
