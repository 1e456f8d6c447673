// Soak: the real crmsyncd, two-way against the in-process sandbox (realistic limits), first sync of 1,700
// people, then `--minutes` of person edits on both sides (`--edits` per second) with every fault kind mixed at
// `--faults` of each side's requests. Prints a sample every `--sample` seconds (RSS, open descriptors, WAL size,
// queue depths, CPU) and whether they stayed flat, then stops the faults and checks convergence.
//
//   build/release/bench/bench_soak [--minutes 30] [--sample 30] [--faults 0.05] [--edits 10]
#include "bench/options.hpp"
#include "tests/fakes/stress.hpp"

#include <fmt/format.h>

#include <iostream>
#include <string>

using namespace crmsync;

int main(int argc, char** argv)
try {
    test::soak_options o;
    o.duration = std::chrono::minutes{30};
    o.sample_every = std::chrono::seconds{30};
    for (bench::option_reader opt(argc, argv); opt.next();) {
        const auto& k = opt.key();
        const std::string v = opt.value(); // every option takes one
        if (k == "--minutes")
            o.duration = std::chrono::seconds{static_cast<long>(std::stod(v) * 60)};
        else if (k == "--sample")
            o.sample_every = std::chrono::seconds{std::stol(v)};
        else if (k == "--faults")
            o.fault_rate = std::stod(v);
        else if (k == "--edits")
            o.edits_per_second = std::stoi(v);
        else
            opt.unknown();
    }
    fmt::print("soak: {} s of {} edits/s with {:.0f} % faults on both sides\n", o.duration.count(), o.edits_per_second,
               100 * o.fault_rate);
    fmt::print("{:>8} {:>10} {:>5} {:>12} {:>8} {:>6} {:>8}\n", "t (s)", "RSS (kB)", "fds", "WAL (B)", "pending",
               "dirty", "CPU (s)");
    const auto r = test::run_soak(o, [](const test::soak_sample& s) {
        fmt::print("{:>8.0f} {:>10} {:>5} {:>12} {:>8} {:>6} {:>8.1f}\n", s.t_s, s.rss_kb, s.fds, s.wal_bytes, s.pending,
                   s.dirty, s.cpu_s);
        std::fflush(stdout);
    });
    fmt::print("{} edits, {} requests, {} faults injected; converged {:.1f} s after the traffic stopped\n", r.edits,
               r.requests, r.faults, r.settle_s);
    fmt::print("flat: {}\n", r.problems.empty() ? "yes" : "NO\n" + r.problems);
    const bool ok = r.report.ok(r.people);
    fmt::print("converged: {} ({} customers, {} contacts, {} paired, {} last edits missing, {} unexplained, "
               "integrity {})\n",
               ok ? "yes" : "NO", r.report.customers, r.report.contacts, r.report.paired, r.report.missing,
               r.report.unexplained, r.report.integrity);
    if (!ok)
        std::cout << r.report.details;
    return ok && r.problems.empty() ? 0 : 1;
} catch (const std::exception& e) {
    std::cerr << "bench_soak: " << e.what() << "\n";
    return 2;
}
