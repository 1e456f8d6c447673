#pragma once
// Shared by the stress tests and benchmarks (issue 7): the sandbox's fault kinds mixed at a rate, and the
// soak — the real crmsyncd, two-way, under steady person edits on both sides with faults, sampled for the
// things that must stay flat (RSS, open descriptors, WAL size, queue depths).

#include "sandbox/faults.hpp"
#include "tests/fakes/convergence.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace crmsync::test {

class daemon_fixture;

// Every fault kind the sandbox injects (Shopify's THROTTLED only for Shopify), one rule each, at the
// probability that makes "some fault" `rate` of a side's requests (rules are tried in turn). Stalls last
// 1.5 s (pair them with a request_timeout of 1 s); slow bodies take about 0.6 s.
std::vector<sandbox::fault_rule> mixed_faults(double rate, bool shopify);
sandbox::fault_rule fault(sandbox::fault_kind k, double probability);
const std::vector<sandbox::fault_kind>& every_fault_kind();

// The stress tests' daemon configuration: two-way, creates on both sides, a request timeout of 1 s (the
// stall faults last longer), log level info. Returns the config's path.
std::string write_stress_config(daemon_fixture& fx, const std::string& poll_interval);

struct soak_options {
    std::chrono::seconds duration{60};
    std::chrono::seconds sample_every{5};
    double fault_rate = 0.05;
    int edits_per_second = 10; // half on each side
    std::size_t customers = 1000, contacts = 1000, shared = 300;
    std::uint64_t seed = 1;
};

struct soak_sample {
    double t_s = 0;           // since the edit traffic started
    long rss_kb = 0;
    int fds = 0;
    std::uintmax_t wal_bytes = 0;
    std::int64_t pending = 0; // outbox rows, both sides
    std::int64_t dirty = 0;
    double cpu_s = 0;         // the daemon's CPU time so far
};

struct soak_result {
    std::vector<soak_sample> samples;
    std::size_t people = 0;
    int edits = 0;
    std::uint64_t requests = 0;     // both sides, during the traffic
    std::uint64_t faults = 0;
    double settle_s = 0;            // from the end of the traffic to converged
    convergence_report report;
    std::string problems;           // empty when RSS, fds, WAL and queues stayed flat
};

// Runs the whole soak; `on_sample` sees each sample as it is taken (progress output).
soak_result run_soak(const soak_options& o, const std::function<void(const soak_sample&)>& on_sample = {});

// What grew between the first and the last third of the samples beyond the allowance, or "".
std::string flatness_problems(const std::vector<soak_sample>& samples);

} // namespace crmsync::test
