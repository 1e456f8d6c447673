#include "tests/fakes/personal_data.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <set>

namespace crmsync::test {

namespace {

std::string lower_trimmed(std::string_view s)
{
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string str(const boost::json::object& o, std::string_view key)
{
    auto v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

} // namespace

std::vector<std::string> personal_data(sandbox::sandbox_server& sb)
{
    std::set<std::string> found;
    auto add = [&](const std::string& v) {
        // Short values ("CA", a zip) would match by chance; the ones that identify a person are longer.
        if (auto t = lower_trimmed(v); t.size() >= 6)
            found.insert(t);
    };
    for (const auto& c : sb.shopify().list_customers()) {
        const auto& o = c.as_object();
        add(str(o, "email"));
        add(str(o, "phone"));
        add(str(o, "firstName") + " " + str(o, "lastName"));
        if (auto a = o.if_contains("defaultAddress"); a && a->is_object())
            add(str(a->as_object(), "address1"));
    }
    for (const auto& c : sb.hubspot().list_contacts(true)) {
        auto get = [&](const char* k) { return c.properties.contains(k) ? c.properties.at(k) : std::string(); };
        add(get("email"));
        add(get("phone"));
        add(get("address"));
        add(get("firstname") + " " + get("lastname"));
    }
    return {found.begin(), found.end()};
}

std::optional<std::string> find_any(std::string_view haystack, const std::vector<std::string>& needles)
{
    std::string h(haystack);
    std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto& n : needles)
        if (h.find(n) != std::string::npos)
            return n;
    return std::nullopt;
}

} // namespace crmsync::test
