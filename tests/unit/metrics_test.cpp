// /metrics and /status rendering without a running daemon: a populated metrics registry and state store
// rendered to text and read back by a strict exposition-format reader; the reader itself is shown to
// catch the mistakes it exists for.
#include "core/metrics.hpp"
#include "daemon/status.hpp"
#include "tests/fakes/manual_clock.hpp"
#include "tests/fakes/prometheus_text.hpp"
#include "tests/fakes/temp_dir.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace crmsync;
using namespace std::chrono_literals;

namespace {

std::string all_errors(const test::prom_text& t)
{
    std::string out;
    for (const auto& e : t.errors)
        out += e + "\n";
    return out;
}

record person(std::string id, std::string email)
{
    record r;
    r.id = std::move(id);
    r.updated_at_ms = 1000;
    r.fields = {{"email", std::move(email)}, {"first_name", "Jane"}};
    return r;
}

} // namespace

TEST_CASE("a populated registry and state store render a strictly valid exposition with the right numbers")
{
    metrics_registry reg;
    declare_api_request_metrics(reg);
    reg.declare_counter("crmsync_test_odd_labels_total", "Label values that need escaping: \\ and\nnewline.", {"what"});
    const std::string odd = "quote \" backslash \\ newline \n end";
    reg.add("crmsync_test_odd_labels_total", {odd}, 2);

    auto report = [&](side s, std::string_view endpoint, request_outcome o, std::chrono::nanoseconds d) {
        record_api_request(reg, {s, endpoint, o, d});
    };
    report(side::shopify, "graphql_query", request_outcome::ok, 5ms); // exactly on a bound: le is inclusive
    report(side::shopify, "graphql_query", request_outcome::ok, 40ms);
    report(side::shopify, "graphql_query", request_outcome::ok, 500s); // beyond the last bound
    report(side::shopify, "graphql_query", request_outcome::throttled, 30ms);
    report(side::shopify, "bulk_download", request_outcome::network, 2s);
    report(side::crm, "search", request_outcome::ok, 120ms);
    report(side::crm, "batch_write", request_outcome::client_error, 80ms);
    report(side::crm, "batch_write", request_outcome::server_error, 1s);

    test::temp_dir dir;
    auto store = state_store::open(dir.file("state.db"), {.durable = false});
    REQUIRE(store.has_value());
    auto& st = **store;
    auto a = st.observe(side::shopify, person("1", "jane.roe@example.com"), 1).link_id;
    auto b = st.observe(side::shopify, person("2", "john.doe@example.com"), 1).link_id;
    st.enqueue(a, side::crm, write_kind::create, {{"email", "jane.roe@example.com"}}, priority::backfill, 1000);
    st.enqueue(b, side::crm, write_kind::update, {{"email", "john.doe@example.com"}}, priority::backfill, 1000);
    st.record_conflict(a, "email", "jane.roe@example.com", "jane@example.org", "crm",
                       "both changed; jane@example.org is newer", 2000);
    auto row = st.outbox_for(b, side::crm);
    REQUIRE(row.has_value());
    st.to_dead_letter(*row, "Email address john.doe@example.com is invalid", 3000);

    test::manual_clock clk;
    daemon_facts facts;
    facts.store = &st;
    facts.metrics = &reg;
    facts.ready = true;
    facts.started = clk.now();
    facts.started_unix_ms = to_unix_ms(clk.wall_now());
    const auto text = metrics_text(facts, clk);
    INFO(text);

    auto parsed = test::parse_prometheus_text(text, "crmsync_");
    REQUIRE_MESSAGE(parsed.errors.empty(), all_errors(parsed));

    CHECK(parsed.families.at("crmsync_api_requests_total").type == "counter");
    CHECK(parsed.families.at("crmsync_api_request_duration_seconds").type == "histogram");
    using labels = std::map<std::string, std::string>;
    const labels q_ok{{"side", "shopify"}, {"endpoint", "graphql_query"}, {"outcome", "ok"}};
    CHECK(parsed.value("crmsync_api_requests_total", q_ok) == 3);
    CHECK(parsed.value("crmsync_api_requests_total", {{"side", "shopify"}, {"endpoint", "graphql_query"}, {"outcome", "throttled"}}) == 1);
    CHECK(parsed.sum("crmsync_api_requests_total", {{"side", "crm"}}) == 3);
    CHECK(parsed.sum("crmsync_api_requests_total", {{"outcome", "network"}}) == 1);
    auto bucket = [&](const std::string& le) {
        auto l = q_ok;
        l["le"] = le;
        return parsed.value("crmsync_api_request_duration_seconds_bucket", l);
    };
    CHECK(bucket("0.005") == 1);
    CHECK(bucket("0.05") == 2);
    CHECK(bucket("120") == 2);
    CHECK(bucket("+Inf") == 3);
    CHECK(parsed.value("crmsync_api_request_duration_seconds_count", q_ok) == 3);
    CHECK(parsed.value("crmsync_api_request_duration_seconds_sum", q_ok).value_or(0) == doctest::Approx(500.045));
    CHECK(parsed.value("crmsync_test_odd_labels_total", {{"what", odd}}) == 2);

    // What the state store holds, by side and kind.
    CHECK(parsed.value("crmsync_links") == 2);
    CHECK(parsed.value("crmsync_outbox_pending", {{"side", "crm"}, {"kind", "create"}}) == 1);
    CHECK(parsed.value("crmsync_outbox_pending", {{"side", "crm"}, {"kind", "update"}}) == 0);
    CHECK(parsed.value("crmsync_dead_letters") == 1);
    CHECK(parsed.value("crmsync_conflicts_settled") == 1);
    CHECK(parsed.value("crmsync_build_info", {{"version", CRMSYNC_VERSION}}) == 1);
    CHECK(parsed.value("crmsync_ready") == 1);
    CHECK(parsed.value("crmsync_config_last_reload_successful") == 1);
    CHECK(parsed.value("crmsync_state", {{"state", "starting"}}) == 1);
    // No personal data in any label or value.
    CHECK(text.find("example.") == std::string::npos);

    // /status lists conflicts and dead letters by id, never their values or messages.
    auto status = boost::json::serialize(status_json(facts, clk, true));
    INFO(status);
    CHECK(status.find("example.") == std::string::npos);
    auto doc = boost::json::parse(status).as_object();
    CHECK(doc.at("recent_conflicts").as_array().size() == 1);
    CHECK(doc.at("recent_conflicts").as_array()[0].as_object().at("field").as_string() == "email");
    CHECK(doc.at("recent_dead_letters").as_array().size() == 1);
    CHECK(doc.at("recent_dead_letters").as_array()[0].as_object().at("link").as_int64() == b);
    CHECK(doc.at("queues").as_object().at("outbox").as_object().at("crm").as_object().at("create").as_int64() == 1);
}

TEST_CASE("the strict exposition reader refuses what Prometheus users trip over")
{
    struct bad_case {
        const char* what;
        const char* text;
        const char* expect;
    };
    const bad_case cases[] = {
        {"HELP twice", "# HELP a_total x\n# HELP a_total y\n# TYPE a_total counter\na_total 1\n", "second HELP"},
        {"TYPE twice", "# TYPE a gauge\n# TYPE a gauge\na 1\n", "second TYPE"},
        {"TYPE after samples", "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# HELP a late\n", "after its samples"},
        {"family split", "# TYPE a gauge\na{x=\"1\"} 1\n# TYPE b gauge\nb 1\na{x=\"2\"} 1\n", "not next to"},
        {"counter without _total", "# TYPE requests counter\nrequests 1\n", "does not end in _total"},
        {"gauge with _total", "# TYPE a_total gauge\na_total 1\n", "is not a counter"},
        {"sample without TYPE", "a 1\n", "without) a TYPE"},
        {"duplicate series", "# TYPE a gauge\na{x=\"1\",y=\"2\"} 1\na{y=\"2\",x=\"1\"} 2\n", "twice"},
        {"unescaped quote", "# TYPE a gauge\na{x=\"say \"hi\"\"} 1\n", "malformed labels"},
        {"bad escape", "# TYPE a gauge\na{x=\"tab\\t\"} 1\n", "bad escape"},
        {"bad value", "# TYPE a gauge\na one\n", "bad value"},
        {"+Inf differs from _count",
         "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 3\n", "differs from _count"},
        {"buckets not cumulative",
         "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n",
         "not cumulative"},
        {"no +Inf bucket", "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_sum 3\nh_count 2\n", "no +Inf"},
        {"no _sum", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 2\n", "no _sum"},
        {"bounds out of order",
         "# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
         "do not increase"},
        {"missing prefix", "# TYPE other gauge\nother 1\n", "lacks the prefix"},
        {"bad HELP escape", "# HELP a x\\y\n# TYPE a gauge\na 1\n", "bad escape in the HELP"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.what);
        auto parsed = test::parse_prometheus_text(c.text, std::string_view(c.what) == "missing prefix" ? "crmsync_" : "");
        auto errors = all_errors(parsed);
        CHECK_MESSAGE(errors.find(c.expect) != std::string::npos, errors);
    }
    auto good = test::parse_prometheus_text("# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"q\\\"\\\\\\n\"} 1 1700000000000\n"
                                            "# TYPE h histogram\nh_bucket{le=\"0.5\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 0.7\nh_count 2\n");
    CHECK_MESSAGE(good.errors.empty(), all_errors(good));
    CHECK(good.value("a_total", {{"x", "q\"\\\n"}}) == 1);
}

TEST_CASE("a metric family declared twice, or used undeclared, is a bug that throws")
{
    exposition e;
    e.family("crmsync_a", "gauge", "A.");
    CHECK_THROWS_AS(e.family("crmsync_a", "gauge", "A again."), std::logic_error);
    metrics_registry reg;
    reg.declare_counter("crmsync_b_total", "B.", {"side"});
    CHECK_THROWS_AS(reg.declare_counter("crmsync_b_total", "B.", {"side"}), std::logic_error);
    CHECK_THROWS_AS(reg.add("crmsync_c_total", {"x"}), std::logic_error);
    CHECK_THROWS_AS(reg.add("crmsync_b_total", {"x", "y"}), std::logic_error);
    CHECK_THROWS_AS(reg.declare_histogram("crmsync_h", "H.", {}, {1, 1}), std::logic_error);
}

TEST_CASE("request outcomes by HTTP status")
{
    CHECK(outcome_of_status(200) == request_outcome::ok);
    CHECK(outcome_of_status(207) == request_outcome::ok);
    CHECK(outcome_of_status(400) == request_outcome::client_error);
    CHECK(outcome_of_status(409) == request_outcome::client_error);
    CHECK(outcome_of_status(429) == request_outcome::throttled);
    CHECK(outcome_of_status(500) == request_outcome::server_error);
    CHECK(outcome_of_status(503) == request_outcome::server_error);
    CHECK(format_metric_value(3) == "3");
    CHECK(format_metric_value(0.25) == "0.25");
    CHECK(format_metric_value(HUGE_VAL) == "+Inf");
}

TEST_CASE("cursor times of both APIs are read for the lag")
{
    CHECK(cursor_time_ms("2026-09-21T10:00:00Z") == 1'789'984'800'000);
    CHECK(cursor_time_ms("1789984800000") == 1'789'984'800'000);
    CHECK_FALSE(cursor_time_ms("").has_value());
    CHECK_FALSE(cursor_time_ms("done").has_value());
}
