// Properties API for contacts (notes §5.3): the JSON form of property definitions and groups (spec
// Property / PropertyGroup) and the endpoints list, get, create, update, archive, groups list/get/create.
#include "sandbox/hubspot/api.hpp"

#include <boost/json/array.hpp>

#include <algorithm>

namespace crmsync::sandbox::hubspot {
namespace {

reply list_properties(state& st, const api_request& req)
{
    const bool archived = req.query.flag("archived");
    const auto wanted = req.query.list("properties");
    boost::json::array results;
    for (const property_def* p : st.registry.list(archived))
        if (wanted.empty() || std::find(wanted.begin(), wanted.end(), p->name) != wanted.end())
            results.push_back(property_registry::to_json(*p));
    return json_reply(200, boost::json::object{{"results", std::move(results)}});
}

reply get_property(state& st, const api_request& req)
{
    const bool archived = req.query.flag("archived");
    for (const property_def* p : st.registry.list(archived))
        if (p->name == req.r.param)
            return json_reply(200, property_registry::to_json(*p));
    return st.error(not_found_error("Unable to find property " + req.r.param));
}

reply create_property(state& st, const api_request& req)
{
    reply err;
    auto body = parse_body(st, req.body, err);
    if (!body)
        return err;
    auto created = st.registry.create(*body, st.now_ms());
    if (!created)
        return st.error(created.error());
    return json_reply(201, property_registry::to_json(**created));
}

reply update_property(state& st, const api_request& req)
{
    reply err;
    auto body = parse_body(st, req.body, err);
    if (!body)
        return err;
    auto updated = st.registry.update(req.r.param, *body, st.now_ms());
    if (!updated)
        return st.error(updated.error());
    return json_reply(200, property_registry::to_json(**updated));
}

} // namespace

boost::json::object property_registry::to_json(const property_def& p)
{
    boost::json::array opts;
    for (const auto& o : p.options) {
        boost::json::object j{{"label", o.label}, {"value", o.value}, {"displayOrder", o.display_order},
                              {"hidden", o.hidden}};
        if (!o.description.empty())
            j["description"] = o.description;
        opts.push_back(std::move(j));
    }
    boost::json::object j{{"name", p.name},
                          {"label", p.label},
                          {"type", p.type},
                          {"fieldType", p.field_type},
                          {"description", p.description},
                          {"groupName", p.group_name},
                          {"options", std::move(opts)},
                          {"displayOrder", p.display_order},
                          {"calculated", p.calculated},
                          {"externalOptions", p.external_options},
                          {"hasUniqueValue", p.has_unique_value},
                          {"hidden", p.hidden},
                          {"hubspotDefined", p.hubspot_defined},
                          {"formField", p.form_field},
                          {"dataSensitivity", "non_sensitive"},
                          {"archived", p.archived},
                          {"createdAt", format_iso_ms(p.created_ms)},
                          {"updatedAt", format_iso_ms(p.updated_ms)},
                          {"modificationMetadata", boost::json::object{{"archivable", p.archivable},
                                                                       {"readOnlyDefinition", p.read_only_definition},
                                                                       {"readOnlyValue", p.read_only_value}}}};
    if (p.archived)
        j["archivedAt"] = format_iso_ms(p.archived_ms);
    if (p.external_options)
        j["referencedObjectType"] = "OWNER";
    return j;
}

boost::json::object property_registry::to_json(const property_group& g)
{
    return boost::json::object{
        {"name", g.name}, {"label", g.label}, {"displayOrder", g.display_order}, {"archived", g.archived}};
}

reply handle_properties_endpoint(state& st, const api_request& req)
{
    switch (req.r.ep) {
    case endpoint::props_list:
        return list_properties(st, req);
    case endpoint::props_get:
        return get_property(st, req);
    case endpoint::props_create:
        return create_property(st, req);
    case endpoint::props_update:
        return update_property(st, req);
    case endpoint::props_archive: {
        auto archived = st.registry.archive(req.r.param, st.now_ms());
        return archived ? reply{204, {}, {}} : st.error(archived.error());
    }
    case endpoint::groups_list: {
        boost::json::array results;
        for (const property_group* g : st.registry.groups())
            if (!g->archived)
                results.push_back(property_registry::to_json(*g));
        return json_reply(200, boost::json::object{{"results", std::move(results)}});
    }
    case endpoint::group_get:
        if (const property_group* g = st.registry.find_group(req.r.param))
            return json_reply(200, property_registry::to_json(*g));
        return st.error(not_found_error("Unable to find property group " + req.r.param));
    case endpoint::groups_create: {
        reply err;
        auto body = parse_body(st, req.body, err);
        if (!body)
            return err;
        auto created = st.registry.create_group(*body);
        if (!created)
            return st.error(created.error());
        return json_reply(201, property_registry::to_json(**created));
    }
    default:
        return st.error(not_found_error());
    }
}

} // namespace crmsync::sandbox::hubspot
