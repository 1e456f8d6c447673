#pragma once
// A strict reader of the Prometheus text exposition format 0.0.4, for tests of /metrics. Stricter than
// Prometheus itself where the format leaves room for mistakes that hurt in practice:
//  - HELP and TYPE at most once per family, both before the family's first sample, all samples of a
//    family together (no family split in two);
//  - metric and label names well-formed, label values quoted with only \\, \" and \n escapes, no label
//    named twice in a sample, no series (name and label set) twice;
//  - counters (and only counters) named *_total; every sample belongs to a declared family;
//  - histograms: per label set, le bounds strictly increasing and ending with "+Inf", bucket counts
//    non-decreasing, the +Inf bucket equal to _count, _sum present.
// Every problem found is listed (with its line number); a valid text gives none.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crmsync::test {

struct prom_sample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
};

struct prom_family {
    std::string type; // counter, gauge, histogram, summary, untyped
    std::string help;
    std::vector<prom_sample> samples;
};

struct prom_text {
    std::map<std::string, prom_family> families;
    std::vector<std::string> errors;

    // The value of the sample with exactly these labels, if any.
    std::optional<double> value(std::string_view name, const std::map<std::string, std::string>& labels = {}) const;
    // Sum of the samples of `name` whose labels include `match`.
    double sum(std::string_view name, const std::map<std::string, std::string>& match = {}) const;
};

// `prefix`: every family name must start with it (empty: no rule).
prom_text parse_prometheus_text(std::string_view text, std::string_view prefix = {});

} // namespace crmsync::test
