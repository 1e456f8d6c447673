#include "config/yaml_section.hpp"

#include "config/scalars.hpp"
#include "config/suggest.hpp"
#include "core/url.hpp"

#include <fmt/format.h>

#include <limits>

namespace crmsync::config_detail {

yaml_section::yaml_section(yaml_document& doc, YAML::Node node, std::string path, YAML::Mark anchor)
    : doc_(doc), node_(node), path_(std::move(path)), anchor_(anchor), tracked_(doc.track(path_, node))
{
}

std::optional<yaml_section::entry> yaml_section::find(std::string_view key) const
{
    tracked_.known.emplace(key);
    for (auto it = node_.begin(); it != node_.end(); ++it)
        if (it->first.IsScalar() && it->first.Scalar() == key)
            return entry{it->first, it->second};
    return std::nullopt;
}

std::string yaml_section::key_path(std::string_view key) const
{
    if (key.empty())
        return path_;
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

YAML::Mark yaml_section::value_mark(const entry& e)
{
    // yaml-cpp places an empty value at the next token, which is misleading; the key is where it is.
    if (e.value.IsNull() || e.value.Mark().is_null())
        return e.key.Mark();
    return e.value.Mark();
}

std::optional<std::string> yaml_section::scalar(std::string_view key, std::string_view expected, bool plain_only)
{
    auto e = find(key);
    if (!e)
        return std::nullopt;
    if (!e->value.IsScalar()) {
        doc_.add_error(value_mark(*e), key_path(key),
                       "expected " + std::string(expected) + ", found " + describe(e->value));
        return std::nullopt;
    }
    // "!" is the tag yaml-cpp gives quoted scalars; an explicit !!str means the same.
    if (plain_only && (e->value.Tag() == "!" || e->value.Tag() == "tag:yaml.org,2002:str")) {
        doc_.add_error(value_mark(*e), key_path(key),
                       "expected " + std::string(expected) + ", found the quoted string '" + e->value.Scalar() + "'");
        return std::nullopt;
    }
    return doc_.expand(e->value.Scalar(), value_mark(*e), key_path(key));
}

bool yaml_section::has(std::string_view key) const { return find(key).has_value(); }

yaml_section::kind yaml_section::kind_of(std::string_view key) const
{
    auto e = find(key);
    if (!e)
        return kind::absent;
    switch (e->value.Type()) {
    case YAML::NodeType::Scalar: return kind::scalar;
    case YAML::NodeType::Sequence: return kind::sequence;
    case YAML::NodeType::Map: return kind::mapping;
    default: return kind::null;
    }
}

void yaml_section::accept_all_keys() { tracked_.accept_all = true; }

std::optional<std::string> yaml_section::get_string(std::string_view key) { return scalar(key, "a string", false); }

std::optional<std::string> yaml_section::get_secret(std::string_view key)
{
    const std::string file_key = std::string(key) + "_file";
    const bool inline_value = has(key);
    const bool from_file = has(file_key);
    if (inline_value && from_file) {
        error(file_key, "set either '" + std::string(key) + "' or '" + file_key + "', not both");
        return std::nullopt;
    }
    if (inline_value) {
        auto v = get_string(key);
        if (v && v->empty()) {
            error(key, "the secret is empty");
            return std::nullopt;
        }
        return v;
    }
    if (!from_file)
        return std::nullopt;
    auto path = get_string(file_key);
    if (!path)
        return std::nullopt;
    if (path->empty()) {
        error(file_key, "the path is empty");
        return std::nullopt;
    }
    std::string value;
    std::string why;
    if (!read_text_file(*path, value, why)) {
        error(file_key, "cannot read secret file '" + *path + "': " + why);
        return std::nullopt;
    }
    if (!value.empty() && value.back() == '\n') {
        value.pop_back();
        if (!value.empty() && value.back() == '\r')
            value.pop_back();
    }
    if (value.empty()) {
        error(file_key, "secret file '" + *path + "' is empty");
        return std::nullopt;
    }
    return value;
}

std::optional<bool> yaml_section::get_bool(std::string_view key)
{
    auto text = scalar(key, "true or false", true);
    if (!text)
        return std::nullopt;
    auto v = parse_bool(*text);
    if (auto* why = std::get_if<std::string>(&v)) {
        error(key, *why);
        return std::nullopt;
    }
    return std::get<bool>(v);
}

std::optional<std::int64_t> yaml_section::get_int(std::string_view key, std::int64_t min, std::int64_t max)
{
    auto text = scalar(key, "an integer", true);
    if (!text)
        return std::nullopt;
    auto v = parse_int(*text);
    if (auto* why = std::get_if<std::string>(&v)) {
        error(key, *why);
        return std::nullopt;
    }
    const std::int64_t n = std::get<std::int64_t>(v);
    if (n < min || n > max) {
        error(key, max == std::numeric_limits<std::int64_t>::max()
                       ? fmt::format("must be at least {}, found {}", min, n)
                       : fmt::format("must be between {} and {}, found {}", min, max, n));
        return std::nullopt;
    }
    return n;
}

std::optional<double> yaml_section::get_double(std::string_view key, double min, double max)
{
    auto text = scalar(key, "a number", true);
    if (!text)
        return std::nullopt;
    auto v = parse_double(*text);
    if (auto* why = std::get_if<std::string>(&v)) {
        error(key, *why);
        return std::nullopt;
    }
    const double d = std::get<double>(v);
    if (d < min || d > max) {
        error(key, fmt::format("must be between {} and {}, found {}", min, max, d));
        return std::nullopt;
    }
    return d;
}

std::optional<std::chrono::milliseconds> yaml_section::get_duration(std::string_view key, std::chrono::milliseconds min,
                                                                    std::chrono::milliseconds max)
{
    auto text = scalar(key, "a duration (e.g. 30s)", false);
    if (!text)
        return std::nullopt;
    auto v = parse_duration(*text);
    if (auto* why = std::get_if<std::string>(&v)) {
        error(key, *why);
        return std::nullopt;
    }
    const auto d = std::get<std::chrono::milliseconds>(v);
    if (d < min || d > max) {
        error(key, "must be between " + format_duration(min) + " and " + format_duration(max) + ", found " + *text);
        return std::nullopt;
    }
    return d;
}

std::optional<std::string> yaml_section::get_enum(std::string_view key, std::span<const std::string_view> allowed)
{
    auto text = scalar(key, "one of " + quoted_list(allowed), false);
    if (!text)
        return std::nullopt;
    for (auto a : allowed)
        if (a == *text)
            return text;
    error(key, "invalid value '" + *text + "'; expected " + quoted_list(allowed) + did_you_mean(*text, allowed));
    return std::nullopt;
}

std::optional<std::string> yaml_section::get_url(std::string_view key)
{
    auto text = scalar(key, "a URL", false);
    if (!text)
        return std::nullopt;
    auto parsed = parse_url(*text);
    if (!parsed) {
        error(key, "invalid URL '" + *text + "': " + parsed.error().message);
        return std::nullopt;
    }
    if (parsed->scheme == "http" && !is_loopback_host(parsed->host)) {
        error(key, "insecure URL '" + *text + "': plain http:// is only allowed for loopback hosts (localhost, "
                   "127.0.0.0/8, ::1), where traffic never leaves the machine; use https://");
        return std::nullopt;
    }
    return text;
}

std::optional<std::vector<std::string>> yaml_section::get_string_list(std::string_view key)
{
    auto e = find(key);
    if (!e)
        return std::nullopt;
    if (!e->value.IsSequence()) {
        doc_.add_error(value_mark(*e), key_path(key), "expected a list of strings, found " + describe(e->value));
        return std::nullopt;
    }
    std::vector<std::string> out;
    bool ok = true;
    std::size_t i = 0;
    for (auto it = e->value.begin(); it != e->value.end(); ++it, ++i) {
        const std::string item_path = key_path(key) + "[" + std::to_string(i) + "]";
        const YAML::Mark at = it->IsNull() ? e->value.Mark() : it->Mark();
        if (!it->IsScalar()) {
            doc_.add_error(at, item_path, "expected a string, found " + describe(*it));
            ok = false;
            continue;
        }
        auto v = doc_.expand(it->Scalar(), at, item_path);
        if (!v)
            ok = false;
        else
            out.push_back(std::move(*v));
    }
    if (!ok)
        return std::nullopt;
    return out;
}

std::unique_ptr<yaml_section> yaml_section::section(std::string_view key)
{
    auto e = find(key);
    if (!e)
        return nullptr;
    if (!e->value.IsMap()) {
        doc_.add_error(value_mark(*e), key_path(key), "expected a mapping, found " + describe(e->value));
        return nullptr;
    }
    return std::make_unique<yaml_section>(doc_, e->value, key_path(key), e->key.Mark());
}

std::unique_ptr<config_section> yaml_section::get_section(std::string_view key) { return section(key); }

std::vector<std::unique_ptr<config_section>> yaml_section::get_section_list(std::string_view key)
{
    auto e = find(key);
    if (!e)
        return {};
    if (!e->value.IsSequence()) {
        doc_.add_error(value_mark(*e), key_path(key), "expected a list of mappings, found " + describe(e->value));
        return {};
    }
    return doc_.items(e->value, key_path(key));
}

void yaml_section::error(std::string_view key, std::string message)
{
    auto e = key.empty() ? std::nullopt : find(key);
    doc_.add_error(e ? value_mark(*e) : anchor_, key_path(key), std::move(message));
}

} // namespace crmsync::config_detail
