// Soak, short form for CI (issue 7; `bench_soak --minutes 30` is the long one, with 1,700 people): 90 s of
// person edits on both sides with 5 % of every fault kind, after a first sync of 500 people. RSS, open descriptors, WAL size
// and queue depths must be as flat at the end as at the start, and once the faults stop everything converges.
#include "tests/fakes/stress.hpp"

#include <doctest/doctest.h>

using namespace crmsync;
using namespace std::chrono_literals;

TEST_CASE("soak: 90 s of edits with faults keep RSS, descriptors, WAL and queues flat, then converge")
{
    test::soak_options o;
    o.duration = 90s;
    o.sample_every = 3s;
    o.customers = 300;
    o.contacts = 300;
    o.shared = 100;
    const auto r = test::run_soak(o, [](const test::soak_sample& s) {
        MESSAGE("t " << s.t_s << " s: RSS " << s.rss_kb << " kB, fds " << s.fds << ", WAL " << s.wal_bytes
                     << " B, pending " << s.pending << ", dirty " << s.dirty << ", CPU " << s.cpu_s << " s");
    });
    MESSAGE(r.edits << " edits, " << r.requests << " requests, " << r.faults << " faults injected; converged "
                    << r.settle_s << " s after the traffic stopped");
    CHECK_MESSAGE(r.problems.empty(), r.problems);
    INFO(r.report.details);
    CHECK(r.report.ok(r.people));
    CHECK(r.faults > 0);
}
