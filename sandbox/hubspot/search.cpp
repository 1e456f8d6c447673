// POST .../contacts/search (notes §4): filter groups ORed, filters ANDed, one sort (ties by id),
// `after` offsets, `total`, the 10,000-result window, and the index lag of contact_store.
#include "sandbox/hubspot/api.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <variant>

namespace crmsync::sandbox::hubspot {
namespace {

constexpr std::size_t max_body_chars = 3000;
constexpr std::size_t max_groups = 5;
constexpr std::size_t max_filters_per_group = 6;
constexpr std::size_t max_filters = 18;
constexpr std::int64_t max_limit = 200;
constexpr std::int64_t default_limit = 10;
constexpr std::int64_t result_window = 10'000;

enum class op { eq, neq, lt, lte, gt, gte, between, in, not_in, has, not_has, contains, not_contains };

constexpr std::pair<std::string_view, op> op_names[] = {
    {"EQ", op::eq},          {"NEQ", op::neq},          {"LT", op::lt},
    {"LTE", op::lte},        {"GT", op::gt},            {"GTE", op::gte},
    {"BETWEEN", op::between}, {"IN", op::in},            {"NOT_IN", op::not_in},
    {"HAS_PROPERTY", op::has}, {"NOT_HAS_PROPERTY", op::not_has}, {"CONTAINS_TOKEN", op::contains},
    {"NOT_CONTAINS_TOKEN", op::not_contains}};

constexpr std::array<const char*, 8> query_properties{"firstname", "lastname", "email", "phone",
                                                      "hs_additional_emails", "fax", "mobilephone", "company"};

enum class kind { text, enumeration, number, time };

// A typed value: numbers and times compare numerically, text case-insensitively.
using typed = std::variant<std::string, double>;

struct filter {
    const property_def* def = nullptr;
    kind k = kind::text;
    op o = op::eq;
    typed value;
    typed high;
    std::vector<std::string> raw_values; // IN / NOT_IN, as given
    std::vector<typed> values;
    std::string token; // CONTAINS_TOKEN, lower-cased
};

kind kind_of(const property_def& d)
{
    if (d.type == "number")
        return kind::number;
    if (d.type == "datetime" || d.type == "date")
        return kind::time;
    if (d.type == "enumeration" || d.type == "bool")
        return kind::enumeration;
    return kind::text;
}

std::optional<typed> to_typed(kind k, std::string_view s)
{
    if (k == kind::number) {
        double d = 0;
        const auto t = trim(s);
        const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
        if (ec != std::errc() || p != t.data() + t.size())
            return std::nullopt;
        return typed{d};
    }
    if (k == kind::time) {
        const auto ms = parse_time_value(trim(s));
        return ms ? std::optional<typed>(typed{static_cast<double>(*ms)}) : std::nullopt;
    }
    return typed{k == kind::text ? to_lower(s) : std::string(s)};
}

int compare(const typed& a, const typed& b)
{
    if (a.index() != b.index())
        return 0;
    if (const auto* x = std::get_if<double>(&a)) {
        const double y = std::get<double>(b);
        return *x < y ? -1 : (*x > y ? 1 : 0);
    }
    const int c = std::get<std::string>(a).compare(std::get<std::string>(b));
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

bool glob(std::string_view pattern, std::string_view text)
{
    if (pattern.empty())
        return text.empty();
    if (pattern.front() == '*') {
        for (std::size_t i = 0; i <= text.size(); ++i)
            if (glob(pattern.substr(1), text.substr(i)))
                return true;
        return false;
    }
    return !text.empty() && pattern.front() == text.front() && glob(pattern.substr(1), text.substr(1));
}

std::vector<std::string> tokens_of(const std::string& lowered)
{
    std::vector<std::string> out = split(lowered, ' ');
    std::string cur;
    for (char c : lowered) {
        if (std::isalnum(static_cast<unsigned char>(c))) {
            cur.push_back(c);
        } else if (!cur.empty()) {
            out.push_back(cur);
            cur.clear();
        }
    }
    if (!cur.empty())
        out.push_back(cur);
    out.push_back(lowered);
    return out;
}

bool token_match(const std::string& token, const std::string& stored)
{
    const auto tokens = tokens_of(to_lower(stored));
    const bool wildcard = token.find('*') != std::string::npos;
    return std::any_of(tokens.begin(), tokens.end(),
                       [&](const std::string& t) { return wildcard ? glob(token, t) : t == token; });
}

bool matches(const filter& f, const contact& c)
{
    const std::string raw = c.value(f.def->name);
    const bool has = !raw.empty();
    auto value_parts = [&] {
        // Multi-select values ("a;b") match on any option.
        return f.def->type == "enumeration" ? split(raw, ';') : std::vector<std::string>{raw};
    };
    auto cmp_any = [&](const typed& target, auto pred) {
        for (const auto& part : value_parts())
            if (auto v = to_typed(f.k, part); v && pred(compare(*v, target)))
                return true;
        return false;
    };
    auto in_list = [&] {
        for (const auto& part : value_parts()) {
            // String IN compares the stored value lower-cased to the values as sent, so values
            // with capitals never match (notes §4.1).
            const std::string stored = f.k == kind::text ? to_lower(part) : part;
            for (std::size_t i = 0; i < f.values.size(); ++i) {
                if (f.k == kind::text || f.k == kind::enumeration) {
                    if (stored == f.raw_values[i])
                        return true;
                } else if (auto v = to_typed(f.k, part); v && compare(*v, f.values[i]) == 0) {
                    return true;
                }
            }
        }
        return false;
    };
    switch (f.o) {
    case op::eq:
        return has && cmp_any(f.value, [](int x) { return x == 0; });
    case op::neq:
        return !(has && cmp_any(f.value, [](int x) { return x == 0; }));
    case op::lt:
        return has && cmp_any(f.value, [](int x) { return x < 0; });
    case op::lte:
        return has && cmp_any(f.value, [](int x) { return x <= 0; });
    case op::gt:
        return has && cmp_any(f.value, [](int x) { return x > 0; });
    case op::gte:
        return has && cmp_any(f.value, [](int x) { return x >= 0; });
    case op::between:
        return has && cmp_any(f.value, [](int x) { return x >= 0; }) && cmp_any(f.high, [](int x) { return x <= 0; });
    case op::in:
        return has && in_list();
    case op::not_in:
        return !(has && in_list());
    case op::has:
        return has;
    case op::not_has:
        return !has;
    case op::contains:
        return has && token_match(f.token, raw);
    case op::not_contains:
        return !(has && token_match(f.token, raw));
    }
    return false;
}

std::optional<std::string> str(const boost::json::object& o, std::string_view key)
{
    const auto* v = o.if_contains(key);
    if (!v || v->is_null())
        return std::nullopt;
    if (v->is_string())
        return std::string(v->get_string());
    if (v->is_number() || v->is_bool())
        return boost::json::serialize(*v);
    return std::nullopt;
}

api_result<filter> parse_filter(const state& st, const boost::json::value& v)
{
    if (!v.is_object())
        return validation_error("Invalid input JSON: a filter must be an object");
    const auto& o = v.get_object();
    const auto name = str(o, "propertyName");
    const auto op_name = str(o, "operator");
    if (!name || !op_name)
        return validation_error("Some required fields were not set: [propertyName, operator]");
    filter f;
    f.def = st.registry.find(*name);
    if (!f.def)
        return validation_error("There was a problem with the request: property " + *name + " does not exist");
    f.k = kind_of(*f.def);
    const auto it = std::find_if(std::begin(op_names), std::end(op_names),
                                 [&](const auto& p) { return p.first == *op_name; });
    if (it == std::end(op_names))
        return validation_error("Invalid input JSON: operator " + *op_name + " is not one of the accepted values");
    f.o = it->second;
    const auto bad_value = [&](const std::string& v) {
        return validation_error("Invalid filter value '" + v + "' for property " + *name + " of type " +
                                f.def->type);
    };
    switch (f.o) {
    case op::has:
    case op::not_has:
        return f;
    case op::in:
    case op::not_in: {
        const auto* vs = o.if_contains("values");
        if (!vs || !vs->is_array())
            return validation_error("operator " + *op_name + " requires values");
        for (const auto& item : vs->get_array()) {
            std::string s = item.is_string() ? std::string(item.get_string()) : boost::json::serialize(item);
            auto t = to_typed(f.k, s);
            if (!t)
                return bad_value(s);
            f.values.push_back(std::move(*t));
            f.raw_values.push_back(std::move(s));
        }
        return f;
    }
    default:
        break;
    }
    const auto value = str(o, "value");
    if (!value)
        return validation_error("operator " + *op_name + " requires a value");
    if (f.o == op::contains || f.o == op::not_contains) {
        f.token = to_lower(trim(*value));
        return f;
    }
    auto t = to_typed(f.k, *value);
    if (!t)
        return bad_value(*value);
    f.value = std::move(*t);
    if (f.o == op::between) {
        const auto high = str(o, "highValue");
        if (!high)
            return validation_error("operator BETWEEN requires a highValue");
        auto h = to_typed(f.k, *high);
        if (!h)
            return bad_value(*high);
        f.high = std::move(*h);
    }
    return f;
}

struct sort_rule {
    const property_def* def = nullptr;
    bool descending = false;
};

api_result<std::optional<sort_rule>> parse_sorts(const state& st, const boost::json::object& body)
{
    const auto* v = body.if_contains("sorts");
    if (!v || v->is_null() || (v->is_array() && v->get_array().empty()))
        return std::optional<sort_rule>{};
    if (!v->is_array())
        return validation_error("Invalid input JSON: sorts must be an array");
    if (v->get_array().size() > 1)
        return validation_error("Only one sort is supported per search request");
    const auto& s = v->get_array().front();
    std::string name;
    bool desc = false;
    if (s.is_object()) {
        name = str(s.get_object(), "propertyName").value_or("");
        const auto dir = str(s.get_object(), "direction").value_or("ASCENDING");
        if (dir != "ASCENDING" && dir != "DESCENDING")
            return validation_error("Invalid sort direction " + dir + " (ASCENDING or DESCENDING)");
        desc = dir == "DESCENDING";
    } else if (s.is_string()) { // the spec's string form: "name" or "-name"
        name = std::string(s.get_string());
        if (!name.empty() && name.front() == '-') {
            desc = true;
            name.erase(0, 1);
        }
    }
    const property_def* def = st.registry.find(name);
    if (!def)
        return validation_error("Cannot sort on property '" + name + "': it does not exist");
    return std::optional<sort_rule>{sort_rule{def, desc}};
}

bool query_matches(const std::vector<std::string>& terms, const contact& c)
{
    for (const auto& term : terms) {
        bool found = false;
        for (const char* p : query_properties) {
            const auto v = c.value(p);
            if (v.empty())
                continue;
            for (const auto& t : tokens_of(to_lower(v)))
                if (t.starts_with(term))
                    found = true;
        }
        if (!found)
            return false;
    }
    return true;
}

} // namespace

reply handle_search(state& st, const api_request& req)
{
    if (req.body.size() > max_body_chars)
        return st.error(validation_error("Search request bodies are limited to 3000 characters"));
    reply err;
    auto body = parse_body(st, req.body, err);
    if (!body)
        return err;
    std::vector<std::vector<filter>> groups;
    std::size_t total_filters = 0;
    if (const auto* g = body->if_contains("filterGroups"); g && g->is_array()) {
        if (g->get_array().size() > max_groups)
            return st.error(validation_error("Too many filter groups (" + std::to_string(g->get_array().size()) +
                                             "); the maximum is 5"));
        for (const auto& group : g->get_array()) {
            const auto* fs = group.is_object() ? group.get_object().if_contains("filters") : nullptr;
            if (!fs || !fs->is_array())
                return st.error(validation_error("Some required fields were not set: [filters]"));
            if (fs->get_array().size() > max_filters_per_group)
                return st.error(validation_error("Too many filters in a filter group (" +
                                                 std::to_string(fs->get_array().size()) + "); the maximum is 6"));
            total_filters += fs->get_array().size();
            std::vector<filter> parsed;
            for (const auto& fv : fs->get_array()) {
                auto f = parse_filter(st, fv);
                if (!f)
                    return st.error(f.error());
                parsed.push_back(std::move(*f));
            }
            groups.push_back(std::move(parsed));
        }
    }
    if (total_filters > max_filters)
        return st.error(validation_error("Too many filters (" + std::to_string(total_filters) +
                                         "); the maximum is 18 across all filter groups"));
    auto sort = parse_sorts(st, *body);
    if (!sort)
        return st.error(sort.error());
    const auto query = str(*body, "query").value_or("");
    if (query.size() > 3000)
        return st.error(validation_error("query is limited to 3000 characters"));
    const auto terms = split(to_lower(query), ' ');

    std::int64_t limit = default_limit;
    if (const auto* l = body->if_contains("limit"); l && !l->is_null()) {
        if (!l->is_int64() || l->get_int64() < 0)
            return st.error(validation_error("limit must be a non-negative integer"));
        limit = l->get_int64();
        if (limit > max_limit)
            return st.error(validation_error("limit must be less than or equal to 200, got " + std::to_string(limit)));
    }
    std::int64_t offset = 0;
    if (const auto after = str(*body, "after"); after && !after->empty()) {
        const auto n = parse_id(*after);
        if (!n)
            return st.error(validation_error("after must be an integer-formatted string, got '" + *after + "'"));
        offset = static_cast<std::int64_t>(std::min<std::uint64_t>(*n, 1ULL << 40));
    }
    if (offset + limit > result_window)
        return st.error(validation_error(
            "Search results are limited to the first 10000 records of a query: after (" + std::to_string(offset) +
            ") plus limit (" + std::to_string(limit) + ") is beyond that. Narrow the filters to see further."));

    std::vector<const contact*> hits;
    st.store.for_each_searchable(st.steady_ms(), [&](const contact& c) {
        const bool group_ok =
            groups.empty() || std::any_of(groups.begin(), groups.end(), [&](const std::vector<filter>& fs) {
                return std::all_of(fs.begin(), fs.end(), [&](const filter& f) { return matches(f, c); });
            });
        if (group_ok && (terms.empty() || query_matches(terms, c)))
            hits.push_back(&c);
    });
    if (*sort) {
        const sort_rule rule = **sort;
        const kind k = kind_of(*rule.def);
        std::vector<std::pair<std::optional<typed>, const contact*>> keyed;
        keyed.reserve(hits.size());
        for (const contact* c : hits) {
            const auto v = c->value(rule.def->name);
            keyed.emplace_back(v.empty() ? std::nullopt : to_typed(k, v), c);
        }
        std::sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
            if (a.first.has_value() != b.first.has_value())
                return a.first.has_value(); // unset values sort last either way
            if (a.first) {
                const int c = compare(*a.first, *b.first);
                if (c != 0)
                    return rule.descending ? c > 0 : c < 0;
            }
            return a.second->id < b.second->id;
        });
        for (std::size_t i = 0; i < keyed.size(); ++i)
            hits[i] = keyed[i].second;
    } else {
        std::sort(hits.begin(), hits.end(), [](const contact* a, const contact* b) { return a->id < b->id; });
    }

    render_options ro;
    ro.style = req.r.style;
    if (const auto* p = body->if_contains("properties"); p && p->is_array())
        for (const auto& item : p->get_array())
            if (item.is_string())
                ro.requested.emplace_back(item.get_string());
    boost::json::array results;
    const auto total = static_cast<std::int64_t>(hits.size());
    const std::int64_t end = std::min(total, offset + limit);
    for (std::int64_t i = offset; i < end; ++i)
        results.push_back(render_contact(st, *hits[static_cast<std::size_t>(i)], ro));
    boost::json::object out{{"total", total}, {"results", std::move(results)}};
    if (end < total && limit > 0)
        out["paging"] = boost::json::object{{"next", boost::json::object{{"after", std::to_string(end)}}}};
    return json_reply(200, out);
}

} // namespace crmsync::sandbox::hubspot
