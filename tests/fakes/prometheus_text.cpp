#include "tests/fakes/prometheus_text.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <set>

namespace crmsync::test {

namespace {

bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
bool name_char(char c) { return name_start(c) || std::isdigit(static_cast<unsigned char>(c)); }

bool valid_metric_name(std::string_view n)
{
    if (n.empty() || !name_start(n[0]))
        return false;
    for (char c : n)
        if (!name_char(c))
            return false;
    return true;
}

bool valid_label_name(std::string_view n)
{
    if (n.empty() || n.starts_with("__") || !(std::isalpha(static_cast<unsigned char>(n[0])) || n[0] == '_'))
        return false;
    for (char c : n)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
            return false;
    return true;
}

std::optional<double> parse_value(std::string_view s)
{
    if (s == "+Inf" || s == "Inf")
        return HUGE_VAL;
    if (s == "-Inf")
        return -HUGE_VAL;
    if (s == "NaN")
        return std::nan("");
    if (s.empty())
        return std::nullopt;
    std::string copy(s);
    char* end = nullptr;
    double v = std::strtod(copy.c_str(), &end);
    if (end != copy.c_str() + copy.size() || copy.find_first_of("iInN") != std::string::npos)
        return std::nullopt;
    return v;
}

// The family a sample name belongs to, given the declared families (histogram/summary suffixes).
std::string family_of(const std::string& name, const std::map<std::string, prom_family>& families)
{
    if (families.contains(name))
        return name;
    for (std::string_view suffix : {"_bucket", "_sum", "_count"})
        if (name.ends_with(suffix)) {
            auto base = name.substr(0, name.size() - suffix.size());
            auto it = families.find(base);
            if (it != families.end() && (it->second.type == "histogram" || it->second.type == "summary"))
                return base;
        }
    return name;
}

} // namespace

std::optional<double> prom_text::value(std::string_view name, const std::map<std::string, std::string>& labels) const
{
    for (const auto& [fname, f] : families)
        for (const auto& smp : f.samples)
            if (smp.name == name && smp.labels == labels)
                return smp.value;
    return std::nullopt;
}

double prom_text::sum(std::string_view name, const std::map<std::string, std::string>& match) const
{
    double total = 0;
    for (const auto& [fname, f] : families)
        for (const auto& smp : f.samples) {
            if (smp.name != name)
                continue;
            bool ok = true;
            for (const auto& [k, v] : match)
                if (!smp.labels.contains(k) || smp.labels.at(k) != v)
                    ok = false;
            if (ok)
                total += smp.value;
        }
    return total;
}

prom_text parse_prometheus_text(std::string_view text, std::string_view prefix)
{
    prom_text out;
    auto error = [&](int line, std::string msg) { out.errors.push_back(fmt::format("line {}: {}", line, msg)); };
    std::set<std::string> helped, typed, finished;
    std::set<std::string> series_seen;
    std::string current; // family whose samples are being read
    int line_no = 0;
    if (!text.empty() && !text.ends_with('\n'))
        error(0, "the text does not end with a newline");
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        ++line_no;
        if (line.empty())
            continue;
        if (line.starts_with('#')) {
            auto rest = line.substr(1);
            while (rest.starts_with(' '))
                rest.remove_prefix(1);
            bool help = rest.starts_with("HELP "), type = rest.starts_with("TYPE ");
            if (!help && !type)
                continue; // a plain comment
            rest.remove_prefix(5);
            auto sp = rest.find(' ');
            std::string name(rest.substr(0, sp));
            std::string_view arg = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
            if (!valid_metric_name(name))
                error(line_no, fmt::format("bad metric name '{}'", name));
            if (!prefix.empty() && !name.starts_with(prefix))
                error(line_no, fmt::format("family {} lacks the prefix {}", name, prefix));
            if (finished.contains(name) || (current != name && out.families.contains(name) &&
                                            !out.families[name].samples.empty()))
                error(line_no, fmt::format("{} for {} after its samples", help ? "HELP" : "TYPE", name));
            if (current != name && !current.empty())
                finished.insert(current);
            current = name;
            auto& fam = out.families[name];
            if (help) {
                if (!helped.insert(name).second)
                    error(line_no, fmt::format("second HELP for {}", name));
                for (std::size_t k = 0; k < arg.size(); ++k) {
                    if (arg[k] != '\\')
                        continue;
                    if (k + 1 >= arg.size() || (arg[k + 1] != '\\' && arg[k + 1] != 'n'))
                        error(line_no, fmt::format("bad escape in the HELP of {}", name));
                    ++k; // the escaped character
                }
                fam.help = std::string(arg);
            } else {
                if (!typed.insert(name).second)
                    error(line_no, fmt::format("second TYPE for {}", name));
                static const std::set<std::string_view> types{"counter", "gauge", "histogram", "summary", "untyped"};
                if (!types.contains(arg))
                    error(line_no, fmt::format("unknown type '{}' for {}", arg, name));
                fam.type = std::string(arg);
                const bool total = name.ends_with("_total");
                if (fam.type == "counter" && !total)
                    error(line_no, fmt::format("counter {} does not end in _total", name));
                if (fam.type != "counter" && total)
                    error(line_no, fmt::format("{} {} ends in _total but is not a counter", fam.type, name));
            }
            continue;
        }
        // A sample: name[{labels}] value [timestamp]
        prom_sample smp;
        std::size_t i = 0;
        while (i < line.size() && name_char(line[i]))
            ++i;
        smp.name = std::string(line.substr(0, i));
        if (!valid_metric_name(smp.name)) {
            error(line_no, fmt::format("bad sample name in '{}'", line));
            continue;
        }
        bool ok = true;
        if (i < line.size() && line[i] == '{') {
            ++i;
            while (ok && i < line.size() && line[i] != '}') {
                auto eq = line.find('=', i);
                if (eq == std::string_view::npos) {
                    ok = false;
                    break;
                }
                std::string lname(line.substr(i, eq - i));
                if (!valid_label_name(lname))
                    error(line_no, fmt::format("bad label name '{}'", lname));
                i = eq + 1;
                if (i >= line.size() || line[i] != '"') {
                    ok = false;
                    break;
                }
                ++i;
                std::string value;
                bool closed = false;
                while (i < line.size()) {
                    char c = line[i++];
                    if (c == '"') {
                        closed = true;
                        break;
                    }
                    if (c == '\\') {
                        if (i >= line.size()) {
                            ok = false;
                            break;
                        }
                        char e = line[i++];
                        if (e == '\\' || e == '"')
                            value += e;
                        else if (e == 'n')
                            value += '\n';
                        else
                            error(line_no, fmt::format("bad escape \\{} in a label value", e));
                        continue;
                    }
                    value += c;
                }
                if (!closed) {
                    ok = false;
                    break;
                }
                if (!smp.labels.emplace(lname, value).second)
                    error(line_no, fmt::format("label {} twice", lname));
                if (i < line.size() && line[i] == ',')
                    ++i;
                else if (i < line.size() && line[i] != '}')
                    ok = false;
            }
            if (!ok || i >= line.size() || line[i] != '}') {
                error(line_no, fmt::format("malformed labels in '{}'", line));
                continue;
            }
            ++i;
        }
        if (i >= line.size() || line[i] != ' ') {
            error(line_no, fmt::format("no value in '{}'", line));
            continue;
        }
        auto rest = line.substr(i + 1);
        auto sp = rest.find(' ');
        auto v = parse_value(rest.substr(0, sp));
        if (!v) {
            error(line_no, fmt::format("bad value in '{}'", line));
            continue;
        }
        if (sp != std::string_view::npos) {
            auto ts = rest.substr(sp + 1);
            if (ts.empty() || ts.find_first_not_of("-0123456789") != std::string_view::npos)
                error(line_no, fmt::format("bad timestamp in '{}'", line));
        }
        smp.value = *v;
        auto fam_name = family_of(smp.name, out.families);
        auto fit = out.families.find(fam_name);
        if (fit == out.families.end() || fit->second.type.empty()) {
            error(line_no, fmt::format("sample {} before (or without) a TYPE for its family", smp.name));
            continue;
        }
        if (fam_name != current)
            error(line_no, fmt::format("sample {} is not next to the rest of its family {}", smp.name, fam_name));
        if (finished.contains(fam_name))
            error(line_no, fmt::format("family {} continues after another began", fam_name));
        auto& fam = fit->second;
        if (fam.type == "histogram") {
            if (smp.name == fam_name)
                error(line_no, fmt::format("histogram {} has a plain sample", fam_name));
            if (smp.name.ends_with("_bucket") != smp.labels.contains("le"))
                error(line_no, fmt::format("{}: le belongs to buckets, and only to them", smp.name));
        }
        std::string key = smp.name;
        for (const auto& [k, lv] : smp.labels)
            key += "\x1f" + k + "=" + lv;
        if (!series_seen.insert(key).second)
            error(line_no, fmt::format("series {} twice", key));
        fam.samples.push_back(std::move(smp));
    }

    // Histograms: buckets per label set.
    for (const auto& [name, fam] : out.families) {
        if (fam.type != "histogram")
            continue;
        struct series_check {
            std::vector<std::pair<double, double>> buckets; // (le, count) in order
            std::optional<double> count, sum;
        };
        std::map<std::map<std::string, std::string>, series_check> by_labels;
        for (const auto& s : fam.samples) {
            auto labels = s.labels;
            labels.erase("le");
            auto& c = by_labels[labels];
            if (s.name == name + "_bucket") {
                auto le = parse_value(s.labels.at("le"));
                if (!le) {
                    error(0, fmt::format("{}: bad le '{}'", name, s.labels.at("le")));
                    continue;
                }
                c.buckets.emplace_back(*le, s.value);
            } else if (s.name == name + "_count") {
                c.count = s.value;
            } else if (s.name == name + "_sum") {
                c.sum = s.value;
            }
        }
        for (const auto& [labels, c] : by_labels) {
            std::string id = name;
            for (const auto& [k, v] : labels)
                id += fmt::format(" {}={}", k, v);
            if (c.buckets.empty() || !std::isinf(c.buckets.back().first))
                error(0, fmt::format("{}: no +Inf bucket last", id));
            for (std::size_t k = 1; k < c.buckets.size(); ++k) {
                if (!(c.buckets[k].first > c.buckets[k - 1].first))
                    error(0, fmt::format("{}: le bounds do not increase", id));
                if (c.buckets[k].second < c.buckets[k - 1].second)
                    error(0, fmt::format("{}: bucket counts are not cumulative", id));
            }
            if (!c.count)
                error(0, fmt::format("{}: no _count", id));
            if (!c.sum)
                error(0, fmt::format("{}: no _sum", id));
            if (c.count && !c.buckets.empty() && c.buckets.back().second != *c.count)
                error(0, fmt::format("{}: +Inf bucket {} differs from _count {}", id, c.buckets.back().second, *c.count));
        }
    }
    for (const auto& [name, fam] : out.families)
        if (fam.type.empty())
            error(0, fmt::format("family {} has HELP but no TYPE", name));
    return out;
}

} // namespace crmsync::test
