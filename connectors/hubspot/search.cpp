// fetch_changes(): incremental reads through the CRM search API on lastmodifieddate.
//
// HubSpot's search returns at most 10,000 results per query (paging beyond answers 400) and sorts on one
// property only, so a poll is a sequence of windows, carried in the page token:
//   "r:<op>:<ts>:<after>:<until>"        lastmodifieddate <op> ts (GTE, or GT after a tie run) and <= until,
//                                        ascending;
//   "t:<ts>:<last_id>:<after>:<until>"   lastmodifieddate == ts and hs_object_id > last_id, ascending by id.
// When a range window nears the cap, the poll switches to a tie run at the last timestamp seen — which
// terminates however many contacts share that timestamp, because ids strictly increase — and then
// resumes with "GT ts". `until` is the time the poll started: contacts changed while it runs are the next
// poll's, so a poll ends however fast they change (each change moves a contact to the end of the order).
// Re-reading a record is harmless: observations are idempotent.
// The persisted cursor is the newest lastmodifieddate (ms) fully covered; the next poll starts at
// cursor - overlap (GTE) to absorb the search index lag.
#include "connectors/hubspot/connector.hpp"
#include "connectors/hubspot/mapping.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <limits>

namespace crmsync::hubspot {

namespace json = boost::json;

namespace {

constexpr int page_limit = 200;
constexpr int result_cap = 10'000;

struct window {
    char mode = 'r';       // 'r' range, 't' tie run
    std::string op = "GTE";
    std::int64_t ts = 0;
    std::int64_t last_id = 0;
    std::int64_t after = 0;
    std::int64_t until = std::numeric_limits<std::int64_t>::max(); // tokens from before the bound: none
};

std::optional<std::int64_t> to_int(std::string_view s)
{
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size())
        return std::nullopt;
    return v;
}

std::optional<window> parse_token(std::string_view t)
{
    std::vector<std::string_view> parts;
    while (true) {
        auto c = t.find(':');
        parts.push_back(t.substr(0, c));
        if (c == std::string_view::npos)
            break;
        t.remove_prefix(c + 1);
    }
    window w;
    if (parts.size() == 5 || parts.size() == 6) {
        auto until = to_int(parts.back());
        if (!until)
            return std::nullopt;
        w.until = *until;
        parts.pop_back();
    }
    if (parts.size() == 4 && parts[0] == "r" && (parts[1] == "GTE" || parts[1] == "GT")) {
        auto ts = to_int(parts[2]), after = to_int(parts[3]);
        if (!ts || !after)
            return std::nullopt;
        w.op = std::string(parts[1]);
        w.ts = *ts;
        w.after = *after;
        return w;
    }
    if (parts.size() == 4 && parts[0] == "t") {
        auto ts = to_int(parts[1]), id = to_int(parts[2]), after = to_int(parts[3]);
        if (!ts || !id || !after)
            return std::nullopt;
        w.mode = 't';
        w.ts = *ts;
        w.last_id = *id;
        w.after = *after;
        return w;
    }
    return std::nullopt;
}

std::string token(const window& w)
{
    if (w.mode == 'r')
        return fmt::format("r:{}:{}:{}:{}", w.op, w.ts, w.after, w.until);
    return fmt::format("t:{}:{}:{}:{}", w.ts, w.last_id, w.after, w.until);
}

json::object filter(std::string_view prop, std::string_view op, std::int64_t value)
{
    return json::object{{"propertyName", prop}, {"operator", op}, {"value", std::to_string(value)}};
}

} // namespace

boost::asio::awaitable<outcome<change_page>> hubspot_connector::fetch_changes(change_query q)
{
    std::int64_t cursor_ms = 0;
    if (!q.cursor.empty()) {
        auto c = to_int(q.cursor);
        if (!c)
            co_return permanent(fmt::format("HubSpot poll: stored cursor '{}' is not a timestamp", q.cursor));
        cursor_ms = *c;
    }
    window w;
    if (q.page.empty()) {
        w.ts = std::max<std::int64_t>(0, cursor_ms - q.overlap.count());
        w.until = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.wall_now().time_since_epoch()).count();
    } else {
        auto parsed = parse_token(q.page);
        if (!parsed)
            co_return permanent(fmt::format("HubSpot poll: bad page token '{}'", q.page));
        w = *parsed;
    }

    json::array filters;
    json::object sort;
    if (w.mode == 'r') {
        filters.push_back(filter("lastmodifieddate", w.op, w.ts));
        if (w.until != std::numeric_limits<std::int64_t>::max())
            filters.push_back(filter("lastmodifieddate", "LTE", w.until));
        sort = {{"propertyName", "lastmodifieddate"}, {"direction", "ASCENDING"}};
    } else {
        filters.push_back(filter("lastmodifieddate", "EQ", w.ts));
        filters.push_back(filter("hs_object_id", "GT", w.last_id));
        sort = {{"propertyName", "hs_object_id"}, {"direction", "ASCENDING"}};
    }
    json::array props;
    for (const auto& p : opts_.properties)
        props.emplace_back(p);
    json::object body{{"filterGroups", json::array{json::object{{"filters", std::move(filters)}}}},
                      {"sorts", json::array{std::move(sort)}},
                      {"properties", std::move(props)},
                      {"limit", page_limit},
                      {"after", std::to_string(w.after)}};
    auto r = co_await client_.call("POST", client_.objects_path() + "/search", json::serialize(body),
                                   endpoint_class::search, q.prio, "contacts search");
    if (!r)
        co_return r.error();
    if (r->status != 200 || !r->body.is_object())
        co_return permanent(fmt::format("HubSpot contacts search: HTTP {}: {}", r->status, error_message(r->body)));
    const auto& res = r->body.as_object();

    change_page page;
    // The first window of a poll matches everything the poll will read (later windows only the rest).
    if (w.mode == 'r' && w.op == "GTE")
        if (auto total = res.if_contains("total"); total && total->is_int64() && total->as_int64() >= 0)
            page.total = static_cast<std::uint64_t>(total->as_int64());
    std::int64_t newest = cursor_ms;
    std::int64_t last_ts = w.ts, last_id = w.last_id;
    if (auto results = res.if_contains("results"); results && results->is_array()) {
        for (const auto& c : results->as_array()) {
            if (!c.is_object())
                continue;
            auto rec = contact_from_json(c.as_object());
            if (!rec) {
                log_->warn("HubSpot contacts search: {}", rec.error().message);
                continue;
            }
            last_ts = rec->updated_at_ms;
            last_id = to_int(rec->id).value_or(last_id);
            newest = std::max(newest, rec->updated_at_ms);
            page.records.push_back(std::move(*rec));
        }
    }
    std::optional<std::int64_t> next_after;
    if (auto paging = res.if_contains("paging"); paging && paging->is_object())
        if (auto next = paging->as_object().if_contains("next"); next && next->is_object())
            if (auto a = next->as_object().if_contains("after"); a && a->is_string())
                next_after = to_int(a->as_string());

    window next = w;
    if (!next_after) {
        if (w.mode == 't') {
            // Tie run finished: everything at ts is covered; continue strictly after it.
            next = window{'r', "GT", w.ts, 0, 0, w.until};
            page.next_page = token(next);
        }
    } else if (*next_after > result_cap - page_limit) { // (next_after + page_limit could overflow)
        // The next page would cross the 10,000-result cap: start a new window.
        if (w.mode == 'r')
            next = window{'t', "", last_ts, 0, 0, w.until};
        else
            next = window{'t', "", w.ts, last_id, 0, w.until};
        page.next_page = token(next);
    } else {
        next.after = *next_after;
        page.next_page = token(next);
    }
    // Within a range window everything before the last timestamp seen is covered; a tie run covers its
    // timestamp only once it finishes, so the cursor stays one millisecond behind it until then.
    std::int64_t covered = newest;
    if (!page.next_page.empty() && next.mode == 't')
        covered = std::min(newest, next.ts - 1);
    page.cursor = std::to_string(std::max(cursor_ms, covered));
    co_return page;
}

} // namespace crmsync::hubspot
