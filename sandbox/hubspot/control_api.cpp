// HTTP side of the control API under /_sandbox/ (routes listed in emulator.hpp). JSON in, JSON out;
// errors are {"status":"error","message":...} with 400/404/405.
#include "sandbox/hubspot/api.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

namespace crmsync::sandbox::hubspot {
namespace {

reply control_error(int status, std::string message)
{
    return json_reply(status, boost::json::object{{"status", "error"}, {"message", std::move(message)}});
}

boost::json::object view_json(const contact_view& v)
{
    boost::json::object props;
    for (const auto& [k, val] : v.properties)
        props[k] = val;
    return boost::json::object{{"id", v.id},
                               {"properties", std::move(props)},
                               {"archived", v.archived},
                               {"createdAt", v.created_at},
                               {"updatedAt", v.updated_at}};
}

boost::json::object limits_json(const rate_limits& l)
{
    return boost::json::object{{"enabled", l.enabled},
                               {"window_max", l.window_max},
                               {"window_ms", l.window.count()},
                               {"daily_max", l.daily_max},
                               {"search_per_second", l.search_per_second}};
}

boost::json::object stats_json(const request_stats& s)
{
    boost::json::object throttled;
    for (const auto& [k, v] : s.throttled)
        throttled[k] = v;
    boost::json::object errors;
    for (const auto& [k, v] : s.errors_by_status)
        errors[std::to_string(k)] = v;
    return boost::json::object{{"requests", s.requests},         {"reads", s.reads},
                               {"writes", s.writes},             {"searches", s.searches},
                               {"faults_injected", s.faults_injected}, {"throttled", std::move(throttled)},
                               {"errors_by_status", std::move(errors)}};
}

std::map<std::string, std::string> props_of(const boost::json::object& body)
{
    std::map<std::string, std::string> out;
    if (const auto* p = body.if_contains("properties"); p && p->is_object())
        for (const auto& [k, v] : p->get_object())
            out[std::string(k)] = v.is_string() ? std::string(v.get_string()) : (v.is_null() ? "" : boost::json::serialize(v));
    return out;
}

std::int64_t int_field(const boost::json::object& o, std::string_view key, std::int64_t fallback)
{
    const auto* v = o.if_contains(key);
    return v && v->is_int64() ? v->get_int64() : (v && v->is_uint64() ? static_cast<std::int64_t>(v->get_uint64())
                                                                      : fallback);
}

double number_field(const boost::json::object& o, std::string_view key, double fallback)
{
    const auto* v = o.if_contains(key);
    return v && v->is_number() ? v->to_number<double>() : fallback;
}

reply outcome_reply(const outcome<contact_view>& r, int ok_status = 200)
{
    if (!r)
        return control_error(r.error().http_status ? r.error().http_status : 400, r.error().message);
    return json_reply(ok_status, view_json(*r));
}

reply contacts_route(emulator& em, std::string_view method, const std::vector<std::string>& seg,
                     const query_params& query, const boost::json::object& body)
{
    if (seg.size() == 2) {
        if (method == "GET") {
            boost::json::array list;
            for (const auto& v : em.list_contacts(query.flag("archived")))
                list.push_back(view_json(v));
            return json_reply(200, boost::json::object{{"results", std::move(list)}});
        }
        if (method == "POST")
            return outcome_reply(em.create_contact(props_of(body)), 201);
        return control_error(405, "use GET or POST");
    }
    const std::string& id = seg[2];
    if (method == "GET") {
        const auto v = em.get_contact(id);
        return v ? json_reply(200, view_json(*v)) : control_error(404, "no contact " + id);
    }
    if (method == "PATCH")
        return outcome_reply(em.edit_contact(id, props_of(body)));
    if (method == "DELETE") {
        const auto r = em.archive_contact(id);
        return r ? reply{204, {}, {}} : control_error(404, r.error().message);
    }
    return control_error(405, "use GET, PATCH or DELETE");
}

reply faults_route(emulator& em, std::string_view method, const boost::json::object& body)
{
    if (method == "DELETE") {
        em.faults().clear();
        return reply{204, {}, {}};
    }
    if (method != "POST")
        return control_error(405, "use POST or DELETE");
    const auto* kind = body.if_contains("kind");
    const auto k = kind && kind->is_string() ? fault_kind_from_string(kind->get_string()) : std::nullopt;
    if (!k)
        return control_error(400, "kind must be one of 500, 502, 503, 504, 429, reset, stall, slow_body, "
                                  "malformed_json, apply_then_fail");
    fault_rule rule;
    rule.kind = *k;
    rule.probability = number_field(body, "probability", 1.0);
    rule.remaining = int_field(body, "remaining", -1);
    if (const auto* p = body.if_contains("path_prefix"); p && p->is_string())
        rule.path_prefix = std::string(p->get_string());
    if (const auto* w = body.if_contains("writes_only"); w && w->is_bool())
        rule.writes_only = w->get_bool();
    rule.delay = std::chrono::milliseconds(int_field(body, "delay_ms", 0));
    rule.retry_after = std::chrono::milliseconds(int_field(body, "retry_after_ms", 1000));
    em.faults().add(rule);
    return json_reply(201, boost::json::object{{"added", to_string(rule.kind)}});
}

reply limits_route(emulator& em, std::string_view method, const boost::json::object& body)
{
    if (method == "GET")
        return json_reply(200, limits_json(em.current_rate_limits()));
    if (method != "PUT" && method != "POST")
        return control_error(405, "use GET or PUT");
    rate_limits l = em.current_rate_limits();
    if (const auto* t = body.if_contains("tier"); t && t->is_string())
        l = rate_limits::for_tier(t->get_string());
    if (const auto* e = body.if_contains("enabled"); e && e->is_bool())
        l.enabled = e->get_bool();
    l.window_max = static_cast<int>(int_field(body, "window_max", l.window_max));
    l.window = std::chrono::milliseconds(int_field(body, "window_ms", l.window.count()));
    l.daily_max = int_field(body, "daily_max", l.daily_max);
    l.search_per_second = static_cast<int>(int_field(body, "search_per_second", l.search_per_second));
    if (l.window_max < 1 || l.window.count() < 1 || l.daily_max < 1 || l.search_per_second < 1)
        return control_error(400, "limits must be positive");
    em.set_rate_limits(l);
    return json_reply(200, limits_json(l));
}

} // namespace

reply handle_control(emulator& em, std::string_view method, const std::vector<std::string>& seg,
                     const query_params& query, const std::string& body_text)
{
    boost::json::object body;
    if (!body_text.empty()) {
        boost::system::error_code ec;
        auto v = boost::json::parse(body_text, ec);
        if (ec || !v.is_object())
            return control_error(400, "the body must be a JSON object");
        body = std::move(v.get_object());
    }
    const std::string what = seg.size() > 1 ? seg[1] : "";
    if (what == "contacts" && seg.size() <= 3)
        return contacts_route(em, method, seg, query, body);
    if (what == "seed" && method == "POST") {
        const auto count = int_field(body, "count", 10);
        if (count < 0 || count > 1'000'000)
            return control_error(400, "count must be between 0 and 1000000");
        const auto ids = em.seed(static_cast<std::size_t>(count), static_cast<std::uint64_t>(int_field(body, "seed", 1)));
        boost::json::array list;
        for (const auto& id : ids)
            list.emplace_back(id);
        return json_reply(201, boost::json::object{{"created", ids.size()}, {"ids", std::move(list)}});
    }
    if (what == "merge" && method == "POST") {
        const auto* p = body.if_contains("primaryObjectId");
        const auto* l = body.if_contains("objectIdToMerge");
        if (!p || !l || !p->is_string() || !l->is_string())
            return control_error(400, "primaryObjectId and objectIdToMerge (strings) are required");
        return outcome_reply(em.merge_contacts(p->get_string(), l->get_string()));
    }
    if (what == "counts" && method == "GET") {
        const auto n = em.counts();
        return json_reply(200, boost::json::object{
                                   {"live", n.live}, {"archived", n.archived}, {"merged_away", n.merged_away}});
    }
    if (what == "stats" && method == "GET")
        return json_reply(200, stats_json(em.stats()));
    if (what == "limits")
        return limits_route(em, method, body);
    if (what == "other-app-share" && (method == "PUT" || method == "POST")) {
        const double share = number_field(body, "share", 0.0);
        if (share < 0.0 || share >= 1.0)
            return control_error(400, "share must be in [0, 1)");
        em.set_other_app_share(share);
        return json_reply(200, boost::json::object{{"share", share}});
    }
    if (what == "index-lag" && (method == "PUT" || method == "POST")) {
        const auto ms = int_field(body, "ms", -1);
        if (ms < 0)
            return control_error(400, "ms must be a non-negative integer");
        em.set_index_lag(std::chrono::milliseconds(ms));
        return json_reply(200, boost::json::object{{"ms", ms}});
    }
    if (what == "properties" && method == "POST") {
        const auto r = em.create_property(body_text);
        return r ? reply{201, {}, {}} : control_error(r.error().http_status ? r.error().http_status : 400,
                                                      r.error().message);
    }
    if (what == "faults")
        return faults_route(em, method, body);
    if (what == "reset" && method == "POST") {
        em.reset();
        return reply{204, {}, {}};
    }
    return control_error(404, "unknown control route");
}

} // namespace crmsync::sandbox::hubspot
