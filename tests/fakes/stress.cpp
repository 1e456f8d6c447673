#include "tests/fakes/stress.hpp"

#include "tests/fakes/daemon_fixture.hpp"
#include "tests/fakes/proc_stats.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <thread>

namespace crmsync::test {

using namespace std::chrono_literals;
using sandbox::fault_kind;

const std::vector<fault_kind>& every_fault_kind()
{
    static const std::vector<fault_kind> kinds{
        fault_kind::http_500, fault_kind::http_502, fault_kind::http_503,       fault_kind::http_504,
        fault_kind::http_429, fault_kind::throttled, fault_kind::reset,         fault_kind::stall,
        fault_kind::slow_body, fault_kind::malformed_json, fault_kind::apply_then_fail};
    return kinds;
}

sandbox::fault_rule fault(fault_kind k, double probability)
{
    sandbox::fault_rule r{.kind = k, .probability = probability};
    if (k == fault_kind::stall)
        r.delay = 1500ms; // past the request_timeout of 1 s the stress configs set
    if (k == fault_kind::slow_body)
        r.delay = 80ms; // eight parts: about 0.6 s, inside the timeout
    return r;
}

std::vector<sandbox::fault_rule> mixed_faults(double rate, bool shopify)
{
    std::vector<fault_kind> kinds;
    for (auto k : every_fault_kind())
        if (shopify || k != fault_kind::throttled)
            kinds.push_back(k);
    const double each = 1.0 - std::pow(1.0 - rate, 1.0 / static_cast<double>(kinds.size()));
    std::vector<sandbox::fault_rule> out;
    for (auto k : kinds)
        out.push_back(fault(k, each));
    return out;
}

std::string write_stress_config(daemon_fixture& fx, const std::string& poll_interval)
{
    return fx.write_config({.direction = "two_way",
                            .poll_interval = poll_interval,
                            .extra_sync = "  create_in_shopify: true\n",
                            .extra_shopify = "  request_timeout: 1s\n",
                            .extra_crm = "  request_timeout: 1s\n",
                            .log_level = "info"});
}

namespace {

template <class T, class F> auto max_of(const std::vector<T>& v, std::size_t from, std::size_t to, F f)
{
    decltype(f(v.front())) m{};
    for (std::size_t i = from; i < to; ++i)
        m = std::max(m, f(v[i]));
    return m;
}

} // namespace

std::string flatness_problems(const std::vector<soak_sample>& s)
{
    if (s.size() < 6)
        return "too few samples (" + std::to_string(s.size()) + ")";
    const std::size_t third = s.size() / 3, last = s.size() - third;
    std::string out;
    auto check = [&](const char* what, double first, double end, double allowed) {
        if (end > allowed)
            out += fmt::format("{}: max {} in the first third, {} in the last (allowed {})\n", what, first, end, allowed);
    };
    const auto rss0 = max_of(s, 0, third, [](const soak_sample& x) { return x.rss_kb; });
    const auto rss1 = max_of(s, last, s.size(), [](const soak_sample& x) { return x.rss_kb; });
    check("RSS kB", static_cast<double>(rss0), static_cast<double>(rss1), static_cast<double>(rss0) * 1.10 + 4096);
    const auto fd0 = max_of(s, 0, third, [](const soak_sample& x) { return x.fds; });
    const auto fd1 = max_of(s, last, s.size(), [](const soak_sample& x) { return x.fds; });
    check("open fds", fd0, fd1, fd0 + 4);
    const auto wal0 = max_of(s, 0, third, [](const soak_sample& x) { return x.wal_bytes; });
    const auto wal1 = max_of(s, last, s.size(), [](const soak_sample& x) { return x.wal_bytes; });
    check("WAL bytes", static_cast<double>(wal0), static_cast<double>(wal1),
          std::max(2.0 * static_cast<double>(wal0), 8.0 * 1024 * 1024));
    const auto q0 = max_of(s, 0, third, [](const soak_sample& x) { return x.pending + x.dirty; });
    const auto q1 = max_of(s, last, s.size(), [](const soak_sample& x) { return x.pending + x.dirty; });
    check("queued (outbox + dirty)", static_cast<double>(q0), static_cast<double>(q1), 2.0 * static_cast<double>(q0) + 100);
    return out;
}

soak_result run_soak(const soak_options& o, const std::function<void(const soak_sample&)>& on_sample)
{
    soak_result out;
    out.people = o.customers + o.contacts - o.shared;
    const auto people = static_cast<std::int64_t>(out.people);
    daemon_fixture fx;
    fx.sandbox().seed_people(o.customers, o.contacts, o.shared, o.seed);
    const auto config = write_stress_config(fx, "2s");
    auto& shop = fx.sandbox().shopify();
    auto& hs = fx.sandbox().hubspot();
    fx.start(config);
    if (!fx.wait_synced(people, 600s))
        throw std::runtime_error("soak: the first sync did not finish\n" + fx.log().substr(0, 20'000));

    for (const auto& r : mixed_faults(o.fault_rate, true))
        shop.faults().add(r);
    for (const auto& r : mixed_faults(o.fault_rate, false))
        hs.faults().add(r);
    const auto requests0 = shop.stats().requests + hs.stats().requests;
    const pid_t pid = fx.process().pid();
    const auto wal = std::filesystem::path(fx.dir().file("state/state.db-wal"));
    std::mt19937_64 rng(o.seed);
    person_edits edits;
    const auto t0 = std::chrono::steady_clock::now();
    auto next_sample = t0;
    const int per_tick = std::max(1, o.edits_per_second / 2);
    for (auto tick = t0; tick < t0 + o.duration; tick += 1s) {
        std::this_thread::sleep_until(tick);
        edits.make(fx.sandbox(), rng, per_tick);
        if (std::chrono::steady_clock::now() >= next_sample) {
            next_sample += o.sample_every;
            soak_sample s;
            s.t_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            s.rss_kb = proc_status_kb(pid, "VmRSS");
            s.fds = proc_open_fds(pid);
            std::error_code ec;
            s.wal_bytes = std::filesystem::exists(wal, ec) ? std::filesystem::file_size(wal, ec) : 0;
            s.cpu_s = proc_cpu_seconds(pid);
            if (auto st = fx.status()) {
                s.pending = json_int(*st, "pending");
                s.dirty = json_int(*st, "dirty");
            }
            out.samples.push_back(s);
            if (on_sample)
                on_sample(s);
        }
    }
    out.requests = shop.stats().requests + hs.stats().requests - requests0;
    out.faults = shop.faults().fired() + hs.faults().fired();
    out.edits = edits.made;
    out.problems = flatness_problems(out.samples);

    // Faults off: everything queued must drain and every last edit arrive.
    shop.faults().clear();
    hs.faults().clear();
    const auto t_end = std::chrono::steady_clock::now();
    fx.wait_synced(people, 300s);
    wait_until([&] { return check_convergence(fx.sandbox(), edits, "").missing == 0; }, 60s);
    fx.wait_synced(people, 60s);
    out.settle_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_end).count();
    if (fx.stop() != 0)
        out.problems += "crmsyncd did not stop cleanly\n";
    out.report = check_convergence(fx.sandbox(), edits, fx.dir().file("state/state.db"));
    return out;
}

} // namespace crmsync::test
