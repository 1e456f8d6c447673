#pragma once
// Metrics in the Prometheus text exposition format 0.0.4 (design.md §7.3): a writer that renders families
// correctly (HELP and TYPE once, escaped label values, cumulative histogram buckets), and a small registry
// of labelled counters and fixed-bucket histograms for what is counted as it happens (API requests). Gauges
// and counters that live elsewhere (engine status, state store counts) are rendered straight from there
// with the writer when /metrics is scraped.
//
// Thread-safety: metrics_registry may be updated and rendered from different threads (the event loop
// counts, an HTTP server on another thread could render); one mutex guards it. The writer is a local
// value, not shared.
//
// Labels never carry personal data: side, endpoint class, outcome, budget and the like.

#include "core/record.hpp"

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crmsync {

using metric_label = std::pair<std::string_view, std::string_view>;

// Builds one exposition. family() starts a family (throws std::logic_error when a name is declared twice:
// that is a bug); sample() adds a series to the family declared last.
class exposition {
public:
    void family(std::string_view name, std::string_view type, std::string_view help);
    void sample(std::string_view name, std::initializer_list<metric_label> labels, double value);
    void sample(std::string_view name, std::span<const metric_label> labels, double value);
    // A histogram series: per-bucket (not cumulative) counts for `bounds`, the +Inf bucket last
    // (counts.size() == bounds.size() + 1).
    void histogram(std::string_view name, std::span<const metric_label> labels, std::span<const double> bounds,
                   std::span<const std::uint64_t> counts, double sum);
    const std::string& text() const { return out_; }
    std::string take() { return std::move(out_); }

private:
    std::string out_;
    std::set<std::string, std::less<>> families_;
};

// Escapes a label value (backslash, double quote, newline) as the text format requires.
std::string escape_label_value(std::string_view v);
// A sample value: integers without a fraction, +Inf/-Inf/NaN spelled as Prometheus does.
std::string format_metric_value(double v);

// Labelled counters and histograms, declared once, then updated by label values. Series appear in the
// output once touched; declared families are always listed (HELP and TYPE without samples).
class metrics_registry {
public:
    void declare_counter(std::string name, std::string help, std::vector<std::string> label_names);
    void declare_histogram(std::string name, std::string help, std::vector<std::string> label_names,
                           std::vector<double> bounds);
    // Label values in the order of the declared names. Throws std::logic_error on an undeclared family or
    // a wrong number of values (bugs).
    void add(std::string_view name, std::initializer_list<std::string_view> label_values, double by = 1);
    void observe(std::string_view name, std::initializer_list<std::string_view> label_values, double value);

    // The current value of a counter series, or a histogram series' count (0 when never touched). For tests
    // and for /status.
    double value(std::string_view name, std::initializer_list<std::string_view> label_values) const;
    // Sums a family over every series whose labels include all of `match` (name=value pairs).
    double sum(std::string_view name, std::initializer_list<metric_label> match = {}) const;

    void render(exposition& out) const;

private:
    struct series_data {
        double value = 0;                  // counters
        std::vector<std::uint64_t> counts; // histograms: per bucket, +Inf last
        double sum = 0;
    };
    struct family_data {
        std::string help;
        bool histogram = false;
        std::vector<std::string> label_names;
        std::vector<double> bounds;
        std::map<std::vector<std::string>, series_data> series;
    };
    family_data& find(std::string_view name, std::size_t label_count);
    series_data& touch(family_data& f, std::initializer_list<std::string_view> label_values);

    mutable std::mutex mu_;
    std::map<std::string, family_data, std::less<>> families_;
};

// API requests, as the connectors' clients report them once they have classified the answer.
enum class request_outcome : std::uint8_t { ok, throttled, client_error, server_error, network };
std::string_view to_string(request_outcome o);
// The outcome an HTTP status means: 429 throttled, other 4xx client_error, 5xx server_error, else ok.
request_outcome outcome_of_status(int status);

struct api_request_report {
    side api = side::shopify;
    std::string_view endpoint; // endpoint class: "graphql_query", "search", "batch_write" ...
    request_outcome outcome = request_outcome::ok;
    std::chrono::nanoseconds duration{0}; // the exchange itself, not the wait for the rate budget
};

// Declares crmsync_api_requests_total and crmsync_api_request_duration_seconds in `m`.
void declare_api_request_metrics(metrics_registry& m);
// Counts and times one request (the families must be declared).
void record_api_request(metrics_registry& m, const api_request_report& r);

} // namespace crmsync
