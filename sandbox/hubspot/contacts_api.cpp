// Single-record contact endpoints (list, get, create, update, archive, merge, gdpr-delete) and the
// JSON rendering shared with batch and search.
#include "sandbox/hubspot/api.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <array>

namespace crmsync::sandbox::hubspot {
namespace {

constexpr std::array<const char*, 6> default_properties{"createdate", "email",          "firstname",
                                                        "hs_object_id", "lastmodifieddate", "lastname"};
constexpr std::array<const char*, 3> always_returned{"createdate", "hs_object_id", "lastmodifieddate"};
constexpr int list_default_limit = 10;
constexpr int list_max_limit = 100;

boost::json::array history_json(const contact& c, const std::string& name, const options& opts)
{
    boost::json::array out;
    const auto it = c.props.find(name);
    if (it == c.props.end())
        return out;
    auto add = [&](const prop_version& v) {
        boost::json::object o{{"value", v.value},
                              {"timestamp", format_iso_ms(v.ts_ms)},
                              {"sourceType", to_string(v.source)}};
        switch (v.source) {
        case change_source::integration:
            o["sourceId"] = opts.app_id;
            break;
        case change_source::crm_ui:
            o["sourceId"] = "userId:" + opts.user_id;
            if (auto id = parse_id(opts.user_id))
                o["updatedByUserId"] = static_cast<std::int64_t>(*id);
            break;
        case change_source::import:
            o["sourceId"] = "import";
            break;
        }
        out.push_back(std::move(o));
    };
    add(it->second.current);
    for (const auto& v : it->second.older)
        add(v);
    return out;
}

} // namespace

const contact* find_contact(const state& st, const std::string& id, const std::optional<std::string>& id_property,
                            bool archived)
{
    if (!archived) {
        if (id_property && *id_property != "hs_object_id")
            return st.store.find_by(*id_property, id);
        const auto n = parse_id(id);
        const contact* c = n ? st.store.resolve(*n) : nullptr;
        return c && c->live() ? c : nullptr;
    }
    const std::string key = id_property ? *id_property : "hs_object_id";
    for (const auto& [cid, c] : st.store.all()) {
        if (!c.archived || c.merged_into != 0)
            continue;
        const std::string v = c.value(key);
        if (key == "email" ? to_lower(v) == to_lower(trim(id)) : v == id)
            return &c;
    }
    return nullptr;
}

std::optional<api_error> check_id_property(const state& st, const std::optional<std::string>& id_property)
{
    if (!id_property || *id_property == "hs_object_id" || st.registry.is_unique_key(*id_property))
        return std::nullopt;
    if (!st.registry.find(*id_property))
        return invalid_properties_error({{*id_property, "PROPERTY_DOESNT_EXIST",
                                          "Property \"" + *id_property + "\" does not exist"}});
    return validation_error("Unable to perform lookup by non-unique 0-1 property " + *id_property);
}

namespace {

reply list_contacts(state& st, const api_request& req)
{
    int limit = list_default_limit;
    if (const auto l = req.query.get("limit")) {
        const auto n = parse_id(*l);
        if (!n || *n == 0)
            return st.error(validation_error("limit must be a positive integer, got '" + *l + "'"));
        limit = static_cast<int>(std::min<std::uint64_t>(*n, list_max_limit)); // larger asks are capped
    }
    std::uint64_t after = 0;
    if (const auto a = req.query.get("after"); a && !a->empty()) {
        const auto n = parse_id(*a);
        if (!n)
            return st.error(validation_error("Invalid paging cursor 'after': " + *a));
        after = *n;
    }
    const bool archived = req.query.flag("archived");
    render_options ro{req.query.list("properties"), req.query.list("propertiesWithHistory"), req.r.style};
    boost::json::array results;
    const auto& all = st.store.all();
    for (auto it = all.lower_bound(after); it != all.end(); ++it) {
        const contact& c = it->second;
        if (c.merged_into != 0 || c.archived != archived)
            continue;
        if (static_cast<int>(results.size()) == limit) {
            const std::string next = std::to_string(c.id);
            return json_reply(200, boost::json::object{
                                       {"results", std::move(results)},
                                       {"paging", boost::json::object{{"next", boost::json::object{
                                                                                   {"after", next},
                                                                                   {"link", "?after=" + next}}}}}});
        }
        results.push_back(render_contact(st, c, ro));
    }
    return json_reply(200, boost::json::object{{"results", std::move(results)}});
}

reply get_contact(state& st, const api_request& req)
{
    const auto id_property = req.query.get("idProperty");
    if (auto e = check_id_property(st, id_property))
        return st.error(*e);
    const contact* c = find_contact(st, req.r.param, id_property, req.query.flag("archived"));
    if (!c)
        return st.error(not_found_error());
    render_options ro{req.query.list("properties"), req.query.list("propertiesWithHistory"), req.r.style};
    return json_reply(200, render_contact(st, *c, ro));
}

reply create_contact(state& st, const api_request& req)
{
    reply err;
    auto body = parse_body(st, req.body, err);
    if (!body)
        return err;
    if (const auto* a = body->if_contains("associations"); a && !a->is_array() && !a->is_null())
        return st.error(validation_error("Invalid input JSON: associations must be an array"));
    auto props = read_properties(body->if_contains("properties"));
    if (!props)
        return st.error(props.error());
    auto created = st.store.create(*props, st.api_ctx());
    if (!created)
        return st.error(created.error());
    render_options ro;
    ro.style = req.r.style;
    ro.all_set = true;
    return json_reply(201, render_contact(st, **created, ro));
}

reply update_contact(state& st, const api_request& req)
{
    const auto id_property = req.query.get("idProperty");
    if (auto e = check_id_property(st, id_property))
        return st.error(*e);
    reply err;
    auto body = parse_body(st, req.body, err);
    if (!body)
        return err;
    auto props = read_properties(body->if_contains("properties"));
    if (!props)
        return st.error(props.error());
    const contact* c = find_contact(st, req.r.param, id_property, false);
    if (!c)
        return st.error(not_found_error());
    auto updated = st.store.update(c->id, *props, st.api_ctx());
    if (!updated)
        return st.error(updated.error());
    render_options ro;
    ro.style = req.r.style;
    ro.all_set = true;
    return json_reply(200, render_contact(st, **updated, ro));
}

std::optional<std::string> id_field(const boost::json::object& o, std::string_view key)
{
    const auto* v = o.if_contains(key);
    if (!v)
        return std::nullopt;
    if (v->is_string())
        return std::string(v->get_string());
    if (v->is_int64())
        return std::to_string(v->get_int64());
    if (v->is_uint64())
        return std::to_string(v->get_uint64());
    return std::nullopt;
}

reply merge_contacts(state& st, const api_request& req)
{
    reply err;
    auto body = parse_body(st, req.body, err);
    if (!body)
        return err;
    const auto primary = id_field(*body, "primaryObjectId");
    const auto loser = id_field(*body, "objectIdToMerge");
    if (!primary || !loser)
        return st.error(validation_error("Some required fields were not set: [primaryObjectId, objectIdToMerge]"));
    const auto p = parse_id(*primary);
    const auto l = parse_id(*loser);
    if (!p || !l)
        return st.error(validation_error("Object ids must be numeric: " + *primary + ", " + *loser));
    auto merged = st.store.merge(*p, *l, st.api_ctx(), st.opts.merge_mints_new_id);
    if (!merged)
        return st.error(merged.error());
    render_options ro;
    ro.style = req.r.style;
    ro.all_set = true;
    return json_reply(200, render_contact(st, **merged, ro));
}

reply gdpr_delete(state& st, const api_request& req)
{
    reply err;
    auto body = parse_body(st, req.body, err);
    if (!body)
        return err;
    const auto object_id = id_field(*body, "objectId");
    if (!object_id)
        return st.error(validation_error("Some required fields were not set: [objectId]"));
    std::optional<std::string> id_property;
    if (const auto* v = body->if_contains("idProperty"); v && v->is_string())
        id_property = std::string(v->get_string());
    if (auto e = check_id_property(st, id_property))
        return st.error(*e);
    if (const contact* c = find_contact(st, *object_id, id_property, false))
        st.store.purge(c->id, st.api_ctx());
    return reply{204, {}, {}};
}

} // namespace

boost::json::object render_contact(const state& st, const contact& c, const render_options& o)
{
    boost::json::object props;
    auto put = [&](const std::string& name) {
        std::string v = c.value(name);
        if (!v.empty())
            props[name] = std::move(v);
        else if (o.nulls_allowed && o.style == path_style::dated)
            props[name] = nullptr;
    };
    if (o.all_set) {
        for (const auto& [name, v] : c.props)
            if (!v.current.value.empty())
                props[name] = v.current.value;
    } else if (o.requested.empty()) {
        for (const char* name : default_properties)
            put(name);
    } else {
        for (const auto& name : o.requested)
            if (st.registry.find(name)) // unknown names are silently ignored (notes §3.2)
                put(name);
    }
    for (const char* name : always_returned)
        props[name] = c.value(name);

    boost::json::object out{{"id", std::to_string(c.id)},
                            {"properties", std::move(props)},
                            {"createdAt", format_iso_ms(c.created_ms)},
                            {"updatedAt", format_iso_ms(c.updated_ms)},
                            {"archived", c.archived}};
    if (c.archived)
        out["archivedAt"] = format_iso_ms(c.archived_ms);
    if (!o.with_history.empty()) {
        boost::json::object hist;
        for (const auto& name : o.with_history)
            if (st.registry.find(name))
                hist[name] = history_json(c, name, st.opts);
        out["propertiesWithHistory"] = std::move(hist);
    }
    return out;
}

contact_view make_view(const contact& c)
{
    contact_view v;
    v.id = std::to_string(c.id);
    for (const auto& [name, pv] : c.props)
        if (!pv.current.value.empty())
            v.properties[name] = pv.current.value;
    for (const char* name : always_returned)
        v.properties[name] = c.value(name);
    v.archived = c.archived;
    v.created_at = format_iso_ms(c.created_ms);
    v.updated_at = format_iso_ms(c.updated_ms);
    return v;
}

std::optional<boost::json::object> parse_body(state& st, const std::string& body, reply& error_out)
{
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    if (ec || !v.is_object()) {
        error_out = st.error(validation_error(
            "Invalid input JSON on line 1, column 1: " +
            (ec ? ec.message() : std::string("expected a JSON object"))));
        return std::nullopt;
    }
    return std::move(v.get_object());
}

api_result<prop_list> read_properties(const boost::json::value* v)
{
    prop_list out;
    if (!v || v->is_null())
        return out;
    if (!v->is_object())
        return validation_error("Invalid input JSON: properties must be an object of strings");
    for (const auto& [k, val] : v->get_object()) {
        std::string name(k);
        if (val.is_string())
            out.emplace_back(name, std::string(val.get_string()));
        else if (val.is_null())
            out.emplace_back(name, std::string()); // null clears, like ""
        else if (val.is_bool())
            out.emplace_back(name, val.get_bool() ? "true" : "false");
        else if (val.is_number())
            out.emplace_back(name, boost::json::serialize(val)); // coerced to its text, as Jackson does
        else
            return validation_error("Invalid input JSON: property " + name + " must be a string");
    }
    return out;
}

reply handle_contact_endpoint(state& st, const api_request& req)
{
    switch (req.r.ep) {
    case endpoint::list:
        return list_contacts(st, req);
    case endpoint::get:
        return get_contact(st, req);
    case endpoint::create:
        return create_contact(st, req);
    case endpoint::update:
        return update_contact(st, req);
    case endpoint::archive:
        if (const auto id = parse_id(req.r.param))
            st.store.archive(*id, st.api_ctx());
        return reply{204, {}, {}};
    case endpoint::merge:
        return merge_contacts(st, req);
    case endpoint::gdpr_delete:
        return gdpr_delete(st, req);
    default:
        return st.error(not_found_error());
    }
}

} // namespace crmsync::sandbox::hubspot
