#include "sandbox/shopify/paging.hpp"

#include "sandbox/shopify/formats.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace crmsync::sandbox::shopify {
namespace json = boost::json;
namespace {

bool less(const page_entry& a, const page_entry& b)
{
    if (a.numeric) {
        if (a.number != b.number)
            return a.number < b.number;
    } else if (a.text != b.text) {
        return a.text < b.text;
    }
    return a.id < b.id;
}

std::string make_cursor(const page_entry& e)
{
    json::object o;
    o["last_id"] = e.id;
    if (e.numeric)
        o["last_value"] = e.number;
    else
        o["last_value"] = e.text;
    return base64_encode(json::serialize(o));
}

std::optional<page_entry> read_cursor(const std::string& cursor, bool numeric)
{
    auto raw = base64_decode(cursor);
    if (!raw)
        return std::nullopt;
    boost::system::error_code ec;
    json::value v = json::parse(*raw, ec);
    if (ec || !v.is_object())
        return std::nullopt;
    const json::object& o = v.as_object();
    const json::value* id = o.if_contains("last_id");
    const json::value* value = o.if_contains("last_value");
    if (!id || !value || !(id->is_int64() || id->is_uint64()))
        return std::nullopt;
    page_entry e;
    e.id = id->is_uint64() ? id->as_uint64() : static_cast<std::uint64_t>(id->as_int64());
    e.numeric = numeric;
    if (numeric) {
        if (!value->is_int64())
            return std::nullopt;
        e.number = value->as_int64();
    } else {
        if (!value->is_string())
            return std::nullopt;
        e.text = std::string(value->as_string());
    }
    return e;
}

std::int64_t unix_ms(wall_time t) { return to_unix_ms(t); }

} // namespace

page_entry id_entry(std::uint64_t id, std::size_t index)
{
    page_entry e;
    e.id = id;
    e.numeric = false;
    // Shopify's ID cursors carry the id as a string; pad so string order is numeric order.
    e.text = std::to_string(id);
    e.text.insert(0, 20 - std::min<std::size_t>(20, e.text.size()), '0');
    e.index = index;
    return e;
}

page_entry sort_entry(const customer& c, const std::string& sort_key, std::size_t index)
{
    page_entry e;
    e.id = c.id;
    e.index = index;
    if (sort_key == "UPDATED_AT" || sort_key == "CREATED_AT") {
        e.numeric = true;
        e.number = unix_ms(sort_key == "UPDATED_AT" ? c.updated_at : c.created_at);
    } else if (sort_key == "NAME") {
        e.numeric = false;
        e.text = to_lower(c.last_name.value_or("") + ", " + c.first_name.value_or(""));
    } else if (sort_key == "LOCATION") {
        e.numeric = false;
        // Customers without an address come after every located one (captured: the live shop's
        // LOCATION order starts with Albania although most of its customers have no address).
        const mailing_address* a = c.default_address();
        e.text = a ? to_lower(a->country.value_or("") + ", " + a->province.value_or("") + ", " + a->city.value_or("")) : "\x7f";
    } else { // ID, RELEVANCE (no relevance scoring without a free-text query model)
        e = id_entry(c.id, index);
    }
    return e;
}

boost::system::result<page_result, std::string> paginate(std::vector<page_entry> entries, const page_request& req, bool reverse)
{
    if (!req.first && !req.last && !req.unbounded)
        return std::string("you must provide one of first or last");
    if (req.first && req.last)
        return std::string("providing both first and last is not supported");
    std::int64_t n = req.first ? *req.first : req.last ? *req.last : static_cast<std::int64_t>(entries.size());
    if (n < 0)
        return std::string(req.first ? "first" : "last") + " argument must be greater than or equal to 0";
    if (n > max_page_size && !req.unbounded)
        return std::string(req.first ? "first" : "last") + " argument must be less than or equal to " +
               std::to_string(max_page_size);

    std::sort(entries.begin(), entries.end(), less);
    if (reverse)
        std::reverse(entries.begin(), entries.end());
    for (auto& e : entries) {
        page_entry wire = e;
        if (!e.numeric && e.text.size() == 20 && e.text == id_entry(e.id, 0).text)
            wire.text = std::to_string(e.id); // ID cursors show the plain id
        e.cursor = make_cursor(wire);
    }
    auto before_in_order = [&](const page_entry& a, const page_entry& b) { return reverse ? less(b, a) : less(a, b); };
    bool numeric = entries.empty() ? true : entries.front().numeric;
    auto decode = [&](const std::string& c) -> std::optional<page_entry> {
        auto e = read_cursor(c, numeric);
        if (e && !numeric && e->text == std::to_string(e->id))
            e->text = id_entry(e->id, 0).text;
        return e;
    };
    std::size_t begin = 0, end = entries.size();
    if (req.after && !entries.empty()) {
        auto cur = decode(*req.after);
        if (!cur)
            return std::string("Invalid cursor for current pagination sort.");
        while (begin < end && !before_in_order(*cur, entries[begin]))
            ++begin;
    }
    if (req.before && !entries.empty()) {
        auto cur = decode(*req.before);
        if (!cur)
            return std::string("Invalid cursor for current pagination sort.");
        std::size_t stop = begin;
        while (stop < end && before_in_order(entries[stop], *cur))
            ++stop;
        end = stop;
    }
    std::size_t from = begin, to = end;
    if (req.first || req.unbounded)
        to = std::min(end, begin + static_cast<std::size_t>(n));
    else
        from = end - std::min(end - begin, static_cast<std::size_t>(n));
    page_result out;
    out.items.assign(entries.begin() + static_cast<std::ptrdiff_t>(from), entries.begin() + static_cast<std::ptrdiff_t>(to));
    out.has_next = to < entries.size() && !out.items.empty() ? true : (to < end);
    out.has_previous = from > 0 && !out.items.empty() ? true : (from > begin);
    return out;
}

} // namespace crmsync::sandbox::shopify
