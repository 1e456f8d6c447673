#include "sandbox/shopify/search.hpp"

#include "sandbox/shopify/formats.hpp"

#include <boost/json/object.hpp>

#include <algorithm>
#include <cctype>

namespace crmsync::sandbox::shopify {
namespace json = boost::json;
namespace {

struct raw_token {
    std::string text;
    bool quoted = false; // the value part was quoted
    bool paren = false;  // "(" or ")"
};

// Splits on whitespace outside quotes; "(" and ")" stand alone unless inside a term's quotes.
std::vector<raw_token> tokenize(std::string_view q)
{
    std::vector<raw_token> out;
    std::size_t i = 0;
    while (i < q.size()) {
        char c = q[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
            continue;
        }
        if (c == '(' || c == ')') {
            out.push_back({std::string(1, c), false, true});
            ++i;
            continue;
        }
        raw_token t;
        while (i < q.size() && !std::isspace(static_cast<unsigned char>(q[i])) && q[i] != ')' &&
               !(q[i] == '(' && t.text.empty())) {
            if (q[i] == '"' || q[i] == '\'') {
                char quote = q[i++];
                t.quoted = true;
                while (i < q.size() && q[i] != quote) {
                    if (q[i] == '\\' && i + 1 < q.size())
                        ++i;
                    t.text += q[i++];
                }
                ++i;
                continue;
            }
            t.text += q[i++];
        }
        out.push_back(std::move(t));
    }
    return out;
}

class parser {
public:
    parser(std::vector<raw_token> toks, const std::set<std::string>& supported, json::array& warnings)
        : toks_(std::move(toks)), supported_(supported), warnings_(warnings)
    {
    }

    search_node parse()
    {
        search_node n = or_expr();
        while (pos_ < toks_.size()) { // stray ")"
            ++pos_;
            search_node rest = or_expr();
            n = combine(search_node::kind::and_node, std::move(n), std::move(rest));
        }
        return n;
    }

private:
    bool at(std::string_view word) const
    {
        return pos_ < toks_.size() && !toks_[pos_].quoted && !toks_[pos_].paren && toks_[pos_].text == word;
    }
    bool at_paren(char p) const { return pos_ < toks_.size() && toks_[pos_].paren && toks_[pos_].text[0] == p; }

    static search_node combine(search_node::kind k, search_node a, search_node b)
    {
        if (a.k == search_node::kind::all && k == search_node::kind::and_node)
            return b;
        if (b.k == search_node::kind::all && k == search_node::kind::and_node)
            return a;
        search_node n;
        n.k = k;
        if (a.k == k)
            n.children = std::move(a.children);
        else
            n.children.push_back(std::move(a));
        n.children.push_back(std::move(b));
        return n;
    }

    search_node or_expr()
    {
        search_node n = and_expr();
        while (at("OR")) {
            ++pos_;
            n = combine(search_node::kind::or_node, std::move(n), and_expr());
        }
        return n;
    }

    search_node and_expr()
    {
        search_node n;
        while (pos_ < toks_.size() && !at("OR") && !at_paren(')')) {
            if (at("AND")) {
                ++pos_;
                continue;
            }
            n = combine(search_node::kind::and_node, std::move(n), unary());
        }
        return n;
    }

    search_node unary()
    {
        if (at("NOT")) {
            ++pos_;
            return negate(unary());
        }
        if (at_paren('(')) {
            ++pos_;
            search_node inner = or_expr();
            if (at_paren(')'))
                ++pos_;
            return inner;
        }
        raw_token t = toks_[pos_++];
        if (!t.quoted && t.text.size() > 1 && t.text[0] == '-') {
            t.text.erase(0, 1);
            if (t.text == "(" || (t.text.empty() && at_paren('('))) {
                ++pos_;
                search_node inner = or_expr();
                if (at_paren(')'))
                    ++pos_;
                return negate(std::move(inner));
            }
            return negate(term(t));
        }
        if (!t.quoted && t.text == "-" && at_paren('(')) {
            ++pos_;
            search_node inner = or_expr();
            if (at_paren(')'))
                ++pos_;
            return negate(std::move(inner));
        }
        return term(t);
    }

    static search_node negate(search_node n)
    {
        search_node out;
        out.k = search_node::kind::not_node;
        out.children.push_back(std::move(n));
        return out;
    }

    search_node term(const raw_token& t)
    {
        search_node n;
        n.k = search_node::kind::term;
        n.quoted = t.quoted;
        auto colon = t.text.find(':');
        if (colon == std::string::npos || colon == 0) {
            n.value = t.text;
            n.op = ":";
            return n;
        }
        n.field = to_lower(t.text.substr(0, colon));
        std::string rest = t.text.substr(colon + 1);
        for (const char* op : {"<=", ">=", "<", ">"}) {
            if (rest.starts_with(op)) {
                n.op = op;
                rest.erase(0, std::string_view(op).size());
                break;
            }
        }
        if (n.op.empty())
            n.op = ":";
        n.value = rest;
        if (!supported_.count(n.field)) {
            n.ignored = true;
            warnings_.push_back(json::object{
                {"field", n.field}, {"message", "Invalid search field for this query."}, {"code", "invalid_field"}});
        }
        return n;
    }

    std::vector<raw_token> toks_;
    std::size_t pos_ = 0;
    const std::set<std::string>& supported_;
    json::array& warnings_;
};

json::value echo(const search_node& n)
{
    switch (n.k) {
    case search_node::kind::all: return json::object{};
    case search_node::kind::term: {
        json::object o;
        o["field"] = n.field.empty() ? "default" : n.field;
        static const std::pair<const char*, const char*> ops[] = {
            {":", "match_all"}, {"<", "range_lt"}, {"<=", "range_lte"}, {">", "range_gt"}, {">=", "range_gte"}};
        for (const auto& [op, key] : ops)
            if (n.op == op)
                o[key] = n.value;
        return o;
    }
    case search_node::kind::not_node: return json::object{{"not", echo(n.children.front())}};
    case search_node::kind::and_node:
    case search_node::kind::or_node: {
        json::array items;
        for (const auto& c : n.children)
            items.push_back(echo(c));
        return json::object{{n.k == search_node::kind::and_node ? "and" : "or", std::move(items)}};
    }
    }
    return nullptr;
}

bool text_match(const std::optional<std::string>& field, const std::string& wanted)
{
    if (!field)
        return false;
    if (wanted == "*")
        return true;
    std::string f = to_lower(*field), w = to_lower(wanted);
    if (!w.empty() && w.back() == '*')
        return f.starts_with(w.substr(0, w.size() - 1));
    return f == w;
}

std::string digits_of(const std::string& phone)
{
    std::string out;
    for (char c : phone)
        if (std::isdigit(static_cast<unsigned char>(c)))
            out += c;
    return out;
}

template <class T> bool compare(const T& a, const std::string& op, const T& b)
{
    if (op == "<")
        return a < b;
    if (op == "<=")
        return a <= b;
    if (op == ">")
        return a > b;
    if (op == ">=")
        return a >= b;
    return a == b;
}

bool time_match(wall_time value, const search_node& n, wall_time now)
{
    wall_time at;
    bool whole_day = false;
    if (to_lower(n.value) == "now") {
        at = now;
    } else {
        auto t = parse_time(n.value);
        if (!t)
            return false;
        at = t->at;
        // Shopify's equality on a time field covers the whole (UTC) day.
        whole_day = n.op == ":";
    }
    if (whole_day) {
        auto day = std::chrono::floor<std::chrono::days>(at);
        return value >= day && value < day + std::chrono::days{1};
    }
    return compare(value, n.op, at);
}

bool number_match(std::int64_t value, const search_node& n)
{
    try {
        return compare(value, n.op, static_cast<std::int64_t>(std::stoll(n.value)));
    } catch (...) {
        return false;
    }
}

std::vector<std::string> split_commas(const std::string& s)
{
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        auto comma = s.find(',', start);
        out.push_back(s.substr(start, comma - start));
        if (comma == std::string::npos)
            return out;
        start = comma + 1;
    }
}

bool has_tag(const customer& c, const std::string& wanted)
{
    for (const auto& t : c.tags)
        if (text_match(t, wanted))
            return true;
    return false;
}

bool term_matches(const search_node& n, const customer& c, wall_time now)
{
    if (n.ignored)
        return true;
    const std::string& f = n.field;
    if (f.empty()) {
        std::string w = to_lower(n.value);
        bool prefix = !w.empty() && w.back() == '*';
        if (prefix)
            w.pop_back();
        auto hit = [&](const std::optional<std::string>& field) {
            if (!field)
                return false;
            std::string v = to_lower(*field);
            return prefix ? v.starts_with(w) || v.find(" " + w) != std::string::npos : v.find(w) != std::string::npos;
        };
        return hit(c.first_name) || hit(c.last_name) || hit(c.email) || hit(c.phone) || hit(c.display_name()) ||
               has_tag(c, n.value);
    }
    if (f == "email")
        return text_match(c.email, n.value);
    if (f == "phone") {
        if (n.value == "*")
            return c.phone.has_value();
        return c.phone && digits_of(*c.phone) == digits_of(n.value) && !digits_of(n.value).empty();
    }
    if (f == "first_name")
        return text_match(c.first_name, n.value);
    if (f == "last_name")
        return text_match(c.last_name, n.value);
    if (f == "id")
        return number_match(static_cast<std::int64_t>(c.id), n);
    if (f == "updated_at")
        return time_match(c.updated_at, n, now);
    if (f == "created_at" || f == "customer_date")
        return time_match(c.created_at, n, now);
    if (f == "orders_count")
        return number_match(c.number_of_orders, n);
    if (f == "state")
        return to_lower(c.state) == to_lower(n.value);
    if (f == "tag" || f == "tag_not") {
        bool any = false;
        for (const auto& t : split_commas(n.value))
            any |= has_tag(c, t);
        return f == "tag" ? any : !any;
    }
    if (f == "country") {
        const mailing_address* a = c.default_address();
        return a && (text_match(a->country, n.value) || text_match(a->country_code, n.value));
    }
    if (f == "accepts_marketing") {
        bool subscribed = c.email_consent.state == "SUBSCRIBED";
        return to_lower(n.value) == (subscribed ? "true" : "false");
    }
    return true;
}

} // namespace

const std::set<std::string>& customer_search_fields()
{
    static const std::set<std::string> f{"email", "phone", "first_name", "last_name", "id", "updated_at",
                                         "created_at", "customer_date", "state", "tag", "tag_not", "country",
                                         "orders_count", "accepts_marketing"};
    return f;
}

const std::set<std::string>& customer_count_search_fields()
{
    static const std::set<std::string> f{"created_at", "id", "updated_at"};
    return f;
}

search_query parse_search(std::string_view text, const std::set<std::string>& supported)
{
    search_query q;
    q.root = parser(tokenize(text), supported, q.warnings).parse();
    q.parsed = echo(q.root);
    return q;
}

bool search_matches(const search_node& n, const customer& c, wall_time now)
{
    switch (n.k) {
    case search_node::kind::all: return true;
    case search_node::kind::term: return term_matches(n, c, now);
    case search_node::kind::not_node:
        // An ignored term inside NOT must not exclude everything.
        if (n.children.front().k == search_node::kind::term && n.children.front().ignored)
            return true;
        return !search_matches(n.children.front(), c, now);
    case search_node::kind::and_node:
        return std::all_of(n.children.begin(), n.children.end(), [&](const auto& ch) { return search_matches(ch, c, now); });
    case search_node::kind::or_node:
        return std::any_of(n.children.begin(), n.children.end(), [&](const auto& ch) { return search_matches(ch, c, now); });
    }
    return true;
}

} // namespace crmsync::sandbox::shopify
