#include "core/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace crmsync {

std::string escape_label_value(std::string_view v)
{
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '"': out += "\\\""; break;
        case '\n': out += "\\n"; break;
        default: out += c;
        }
    }
    return out;
}

namespace {

std::string escape_help(std::string_view v)
{
    std::string out;
    for (char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

void append_labels(std::string& out, std::span<const metric_label> labels, std::string_view le = {})
{
    if (labels.empty() && le.empty())
        return;
    out += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
        if (!first)
            out += ',';
        first = false;
        out += k;
        out += "=\"";
        out += escape_label_value(v);
        out += '"';
    }
    if (!le.empty()) {
        if (!first)
            out += ',';
        out += "le=\"";
        out += le;
        out += '"';
    }
    out += '}';
}

} // namespace

std::string format_metric_value(double v)
{
    if (std::isnan(v))
        return "NaN";
    if (std::isinf(v))
        return v > 0 ? "+Inf" : "-Inf";
    if (v == std::floor(v) && std::fabs(v) < 1e15)
        return fmt::format("{}", static_cast<std::int64_t>(v));
    return fmt::format("{}", v);
}

void exposition::family(std::string_view name, std::string_view type, std::string_view help)
{
    if (!families_.emplace(name).second)
        throw std::logic_error(fmt::format("metric family {} declared twice", name));
    out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape_help(help), name, type);
}

void exposition::sample(std::string_view name, std::initializer_list<metric_label> labels, double value)
{
    sample(name, std::span<const metric_label>(labels.begin(), labels.size()), value);
}

void exposition::sample(std::string_view name, std::span<const metric_label> labels, double value)
{
    out_ += name;
    append_labels(out_, labels);
    out_ += ' ';
    out_ += format_metric_value(value);
    out_ += '\n';
}

void exposition::histogram(std::string_view name, std::span<const metric_label> labels, std::span<const double> bounds,
                           std::span<const std::uint64_t> counts, double sum)
{
    std::uint64_t cumulative = 0;
    const std::string bucket = fmt::format("{}_bucket", name);
    for (std::size_t i = 0; i <= bounds.size(); ++i) {
        cumulative += i < counts.size() ? counts[i] : 0;
        out_ += bucket;
        append_labels(out_, labels, i < bounds.size() ? format_metric_value(bounds[i]) : "+Inf");
        out_ += fmt::format(" {}\n", cumulative);
    }
    out_ += fmt::format("{}_sum", name);
    append_labels(out_, labels);
    out_ += ' ' + format_metric_value(sum) + '\n';
    out_ += fmt::format("{}_count", name);
    append_labels(out_, labels);
    out_ += fmt::format(" {}\n", cumulative);
}

void metrics_registry::declare_counter(std::string name, std::string help, std::vector<std::string> label_names)
{
    std::lock_guard lock(mu_);
    family_data f;
    f.help = std::move(help);
    f.label_names = std::move(label_names);
    if (!families_.emplace(std::move(name), std::move(f)).second)
        throw std::logic_error("metric family declared twice");
}

void metrics_registry::declare_histogram(std::string name, std::string help, std::vector<std::string> label_names,
                                         std::vector<double> bounds)
{
    if (!std::is_sorted(bounds.begin(), bounds.end()) ||
        std::adjacent_find(bounds.begin(), bounds.end()) != bounds.end())
        throw std::logic_error("histogram bounds must increase strictly");
    std::lock_guard lock(mu_);
    family_data f;
    f.help = std::move(help);
    f.histogram = true;
    f.label_names = std::move(label_names);
    f.bounds = std::move(bounds);
    if (!families_.emplace(std::move(name), std::move(f)).second)
        throw std::logic_error("metric family declared twice");
}

metrics_registry::family_data& metrics_registry::find(std::string_view name, std::size_t label_count)
{
    auto it = families_.find(name);
    if (it == families_.end())
        throw std::logic_error(fmt::format("metric family {} not declared", name));
    if (it->second.label_names.size() != label_count)
        throw std::logic_error(fmt::format("metric family {}: wrong number of label values", name));
    return it->second;
}

metrics_registry::series_data& metrics_registry::touch(family_data& f, std::initializer_list<std::string_view> label_values)
{
    std::vector<std::string> key(label_values.begin(), label_values.end());
    auto& s = f.series[std::move(key)];
    if (f.histogram && s.counts.empty())
        s.counts.assign(f.bounds.size() + 1, 0);
    return s;
}

void metrics_registry::add(std::string_view name, std::initializer_list<std::string_view> label_values, double by)
{
    std::lock_guard lock(mu_);
    auto& f = find(name, label_values.size());
    if (f.histogram)
        throw std::logic_error(fmt::format("metric family {} is a histogram", name));
    touch(f, label_values).value += by;
}

void metrics_registry::observe(std::string_view name, std::initializer_list<std::string_view> label_values, double value)
{
    std::lock_guard lock(mu_);
    auto& f = find(name, label_values.size());
    if (!f.histogram)
        throw std::logic_error(fmt::format("metric family {} is not a histogram", name));
    auto& s = touch(f, label_values);
    // The first bucket whose upper bound holds the value (le is inclusive); beyond the last, +Inf.
    auto i = static_cast<std::size_t>(std::lower_bound(f.bounds.begin(), f.bounds.end(), value) - f.bounds.begin());
    ++s.counts[i];
    s.sum += value;
}

double metrics_registry::value(std::string_view name, std::initializer_list<std::string_view> label_values) const
{
    std::lock_guard lock(mu_);
    auto it = families_.find(name);
    if (it == families_.end())
        return 0;
    auto s = it->second.series.find(std::vector<std::string>(label_values.begin(), label_values.end()));
    if (s == it->second.series.end())
        return 0;
    if (!it->second.histogram)
        return s->second.value;
    std::uint64_t n = 0;
    for (auto c : s->second.counts)
        n += c;
    return static_cast<double>(n);
}

double metrics_registry::sum(std::string_view name, std::initializer_list<metric_label> match) const
{
    std::lock_guard lock(mu_);
    auto it = families_.find(name);
    if (it == families_.end())
        return 0;
    const auto& f = it->second;
    double total = 0;
    for (const auto& [values, s] : f.series) {
        bool ok = true;
        for (const auto& [k, v] : match) {
            auto pos = std::find(f.label_names.begin(), f.label_names.end(), k);
            if (pos == f.label_names.end() || values[static_cast<std::size_t>(pos - f.label_names.begin())] != v)
                ok = false;
        }
        if (!ok)
            continue;
        if (!f.histogram) {
            total += s.value;
        } else {
            for (auto c : s.counts)
                total += static_cast<double>(c);
        }
    }
    return total;
}

void metrics_registry::render(exposition& out) const
{
    std::lock_guard lock(mu_);
    std::vector<metric_label> labels;
    for (const auto& [name, f] : families_) {
        out.family(name, f.histogram ? "histogram" : "counter", f.help);
        for (const auto& [values, s] : f.series) {
            labels.clear();
            for (std::size_t i = 0; i < values.size(); ++i)
                labels.emplace_back(f.label_names[i], values[i]);
            if (f.histogram)
                out.histogram(name, labels, f.bounds, s.counts, s.sum);
            else
                out.sample(name, labels, s.value);
        }
    }
}

std::string_view to_string(request_outcome o)
{
    switch (o) {
    case request_outcome::ok: return "ok";
    case request_outcome::throttled: return "throttled";
    case request_outcome::client_error: return "client_error";
    case request_outcome::server_error: return "server_error";
    case request_outcome::network: return "network";
    }
    return "?";
}

request_outcome outcome_of_status(int status)
{
    if (status == 429)
        return request_outcome::throttled;
    if (status >= 500)
        return request_outcome::server_error;
    if (status >= 400)
        return request_outcome::client_error;
    return request_outcome::ok;
}

namespace {
constexpr std::string_view requests_family = "crmsync_api_requests_total";
constexpr std::string_view duration_family = "crmsync_api_request_duration_seconds";
} // namespace

void declare_api_request_metrics(metrics_registry& m)
{
    m.declare_counter(std::string(requests_family),
                      "API requests sent, by side, endpoint class and outcome (throttled includes Shopify's THROTTLED "
                      "answers inside HTTP 200).",
                      {"side", "endpoint", "outcome"});
    // From a fast local answer to a bulk export download of several minutes.
    m.declare_histogram(std::string(duration_family),
                        "Duration of API requests (the exchange, not the wait for the rate budget).",
                        {"side", "endpoint", "outcome"},
                        {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120});
}

void record_api_request(metrics_registry& m, const api_request_report& r)
{
    const auto side_name = to_string(r.api);
    const auto outcome = to_string(r.outcome);
    m.add(requests_family, {side_name, r.endpoint, outcome});
    m.observe(duration_family, {side_name, r.endpoint, outcome},
              std::chrono::duration<double>(r.duration).count());
}

} // namespace crmsync
