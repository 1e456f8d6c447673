// Batch contact endpoints: read, create, update, upsert, archive (notes §3.6).
//
// Multi-status rules (see emulator.hpp): when every input carries a unique objectWriteTraceId the
// inputs succeed or fail one by one and failures name their trace id in `context`; otherwise the
// first validation error or conflict fails the whole request before anything is written.
#include "sandbox/hubspot/api.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <boost/json/parse.hpp>

#include <set>

namespace crmsync::sandbox::hubspot {
namespace {

constexpr std::size_t max_inputs = 100;

struct batch_input {
    std::string id;
    std::optional<std::string> id_property;
    std::optional<std::string> trace_id;
    prop_list props;
};

struct batch_body {
    boost::json::object body;
    std::vector<batch_input> inputs;
    bool traced = false; // every input has a unique objectWriteTraceId: multi-status per input
};

std::optional<std::string> string_field(const boost::json::object& o, std::string_view key)
{
    const auto* v = o.if_contains(key);
    if (v && v->is_string())
        return std::string(v->get_string());
    if (v && v->is_int64())
        return std::to_string(v->get_int64());
    return std::nullopt;
}

// Parses {"inputs":[...]} and enforces the 100-input limit.
api_result<batch_body> read_batch(const std::string& text, bool with_properties)
{
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec || !v.is_object())
        return validation_error("Invalid input JSON on line 1, column 1: " +
                                (ec ? ec.message() : std::string("expected a JSON object")));
    batch_body out;
    out.body = std::move(v.get_object());
    const auto* inputs = out.body.if_contains("inputs");
    if (!inputs || !inputs->is_array())
        return validation_error("Some required fields were not set: [inputs]");
    if (inputs->get_array().size() > max_inputs)
        return validation_error("Batch input size of " + std::to_string(inputs->get_array().size()) +
                                " exceeds the limit of 100 inputs per request");
    std::set<std::string> traces;
    out.traced = !inputs->get_array().empty();
    for (const auto& item : inputs->get_array()) {
        if (!item.is_object())
            return validation_error("Invalid input JSON: each input must be an object");
        const auto& o = item.get_object();
        batch_input in;
        in.id = string_field(o, "id").value_or("");
        in.id_property = string_field(o, "idProperty");
        in.trace_id = string_field(o, "objectWriteTraceId");
        if (with_properties) {
            auto props = read_properties(o.if_contains("properties"));
            if (!props)
                return props.error();
            in.props = std::move(*props);
        }
        if (!in.trace_id || in.trace_id->empty() || !traces.insert(*in.trace_id).second)
            out.traced = false;
        out.inputs.push_back(std::move(in));
    }
    return out;
}

api_error with_trace(api_error e, const batch_input& in)
{
    if (in.trace_id)
        e.context["objectWriteTraceId"] = {*in.trace_id};
    return e;
}

reply batch_reply(state& st, int ok_status, boost::json::array results, const std::vector<api_error>& errors,
                  std::int64_t requested_ms)
{
    boost::json::object o{{"status", "COMPLETE"},
                          {"results", std::move(results)},
                          {"requestedAt", format_iso_ms(requested_ms)},
                          {"startedAt", format_iso_ms(requested_ms)},
                          {"completedAt", format_iso_ms(st.now_ms())}};
    if (!errors.empty()) {
        boost::json::array errs;
        for (const auto& e : errors)
            errs.push_back(standard_error_json(e));
        o["numErrors"] = errors.size();
        o["errors"] = std::move(errs);
    }
    return json_reply(errors.empty() ? ok_status : 207, o);
}

// Values of `email` and unique properties claimed by more than one input of a batch.
std::optional<api_error> duplicate_unique_value(const state& st, const std::vector<prop_list>& prepared)
{
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& props : prepared)
        for (const auto& [name, value] : props) {
            if (value.empty() || !st.registry.is_unique_key(name))
                continue;
            const auto key = std::pair{name, name == "email" ? to_lower(value) : value};
            if (!seen.insert(key).second)
                return validation_error("Duplicate value \"" + value + "\" for unique property \"" + name +
                                        "\" in batch input");
        }
    return std::nullopt;
}

std::vector<std::string> string_list(const boost::json::object& o, std::string_view key)
{
    std::vector<std::string> out;
    if (const auto* v = o.if_contains(key); v && v->is_array())
        for (const auto& item : v->get_array())
            if (item.is_string())
                out.emplace_back(item.get_string());
    return out;
}

reply batch_read(state& st, const api_request& req, batch_body& b)
{
    const auto now = st.now_ms();
    const auto id_property = string_field(b.body, "idProperty");
    if (auto e = check_id_property(st, id_property))
        return st.error(*e);
    render_options ro{string_list(b.body, "properties"), string_list(b.body, "propertiesWithHistory"), req.r.style};
    boost::json::array results;
    std::vector<std::string> missing;
    std::set<std::uint64_t> returned;
    for (const auto& in : b.inputs) {
        const contact* c = find_contact(st, in.id, id_property, req.query.flag("archived"));
        if (!c)
            missing.push_back(in.id);
        else if (returned.insert(c->id).second)
            results.push_back(render_contact(st, *c, ro));
    }
    std::vector<api_error> errors;
    if (!missing.empty()) {
        api_error e = not_found_error(
            "Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.");
        e.context["ids"] = missing;
        errors.push_back(std::move(e));
    }
    return batch_reply(st, 200, std::move(results), errors, now);
}

reply batch_create(state& st, const api_request& req, batch_body& b)
{
    const auto now = st.now_ms();
    const auto ctx = st.api_ctx();
    render_options ro;
    ro.style = req.r.style;
    ro.all_set = true;
    boost::json::array results;
    std::vector<api_error> errors;
    auto add_result = [&](const contact& c, const batch_input& in) {
        auto o = render_contact(st, c, ro);
        if (in.trace_id)
            o["objectWriteTraceId"] = *in.trace_id;
        results.push_back(std::move(o));
    };
    if (b.traced) {
        for (const auto& in : b.inputs) {
            auto created = st.store.create(in.props, ctx);
            if (created)
                add_result(**created, in);
            else
                errors.push_back(with_trace(created.error(), in));
        }
        return batch_reply(st, 201, std::move(results), errors, now);
    }
    std::vector<prop_list> prepared;
    for (const auto& in : b.inputs) {
        auto p = st.store.prepare(in.props, nullptr, ctx);
        if (!p)
            return st.error(p.error());
        if (auto c = st.store.conflict(*p, 0))
            return st.error(*c); // only the first conflict is reported (notes §3.4)
        prepared.push_back(std::move(*p));
    }
    if (auto e = duplicate_unique_value(st, prepared))
        return st.error(*e);
    for (std::size_t i = 0; i < prepared.size(); ++i)
        add_result(st.store.insert(prepared[i], ctx), b.inputs[i]);
    return batch_reply(st, 201, std::move(results), errors, now);
}

reply batch_update(state& st, const api_request& req, batch_body& b)
{
    const auto now = st.now_ms();
    const auto ctx = st.api_ctx();
    std::set<std::string> ids;
    for (const auto& in : b.inputs) {
        if (in.id_property && *in.id_property != "hs_object_id" && !st.registry.is_unique_key(*in.id_property))
            return st.error(validation_error("Unable to perform update/upsert by non-unique 0-1 property " +
                                             *in.id_property));
        if (!ids.insert(in.id).second)
            return st.error(validation_error("Duplicate IDs found in batch input: [" + in.id + "]. IDs must be unique"));
    }
    render_options ro;
    ro.style = req.r.style;
    ro.all_set = true;
    boost::json::array results;
    std::vector<api_error> errors;
    std::vector<std::string> missing;
    std::vector<std::pair<const batch_input*, const contact*>> found;
    for (const auto& in : b.inputs) {
        const contact* c = find_contact(st, in.id, in.id_property, false);
        if (c)
            found.emplace_back(&in, c);
        else if (b.traced)
            errors.push_back(with_trace(not_found_error("Object not found. objectId are usually numeric."), in));
        else
            missing.push_back(in.id);
    }
    auto add_result = [&](const contact& c, const batch_input& in) {
        auto o = render_contact(st, c, ro);
        if (in.trace_id)
            o["objectWriteTraceId"] = *in.trace_id;
        results.push_back(std::move(o));
    };
    if (b.traced) {
        for (const auto& [in, c] : found) {
            auto updated = st.store.update(c->id, in->props, ctx);
            if (updated)
                add_result(**updated, *in);
            else
                errors.push_back(with_trace(updated.error(), *in));
        }
        return batch_reply(st, 200, std::move(results), errors, now);
    }
    std::vector<prop_list> prepared;
    for (const auto& [in, c] : found) {
        auto p = st.store.prepare(in->props, c, ctx);
        if (!p)
            return st.error(p.error());
        if (auto e = st.store.conflict(*p, c->id))
            return st.error(*e);
        prepared.push_back(std::move(*p));
    }
    if (auto e = duplicate_unique_value(st, prepared))
        return st.error(*e);
    for (std::size_t i = 0; i < found.size(); ++i)
        add_result(st.store.apply(found[i].second->id, prepared[i], ctx), *found[i].first);
    if (!missing.empty()) {
        api_error e = not_found_error("Could not get some CONTACT objects, they may be deleted or not exist. "
                                      "Check that ids are valid.");
        e.context["ids"] = missing;
        errors.push_back(std::move(e));
    }
    return batch_reply(st, 200, std::move(results), errors, now);
}

// Batch upsert: create-or-update keyed on `email` or a hasUniqueValue property, one idProperty
// per request, `new` true/false per result.
struct planned {
    const batch_input* in = nullptr;
    const contact* existing = nullptr; // nullptr: create
    prop_list props;                   // as given, plus the key for creates
};

std::string key_of(const std::string& id_property, const std::string& id)
{
    return id_property == "email" ? to_lower(trim(id)) : id;
}

prop_list with_key(const batch_input& in, const std::string& id_property)
{
    prop_list props = in.props;
    bool has_key = false;
    for (const auto& [name, value] : props)
        has_key |= name == id_property;
    if (!has_key)
        props.emplace_back(id_property, in.id);
    return props;
}

reply batch_upsert(state& st, const api_request& req, batch_body& b)
{
    const auto now = st.now_ms();
    const auto ctx = st.api_ctx();
    std::optional<std::string> id_property;
    std::set<std::string> keys;
    for (const auto& in : b.inputs) {
        if (!in.id_property || in.id_property->empty())
            return st.error(validation_error("Some required fields were not set: [idProperty]"));
        if (id_property && *id_property != *in.id_property)
            return st.error(validation_error("All inputs of an upsert must use the same idProperty; got " +
                                             *id_property + " and " + *in.id_property));
        id_property = in.id_property;
        if (!st.registry.find(*id_property))
            return st.error(invalid_properties_error(
                {{*id_property, "PROPERTY_DOESNT_EXIST", "Property \"" + *id_property + "\" does not exist"}}));
        if (!st.registry.is_unique_key(*id_property))
            return st.error(validation_error("Unable to perform update/upsert by non-unique 0-1 property " +
                                             *id_property));
        if (in.id.empty())
            return st.error(validation_error("Some required fields were not set: [id]"));
        if (!keys.insert(key_of(*id_property, in.id)).second)
            return st.error(
                validation_error("Duplicate IDs found in batch input: [" + in.id + "]. IDs must be unique"));
    }

    std::vector<planned> plan;
    for (const auto& in : b.inputs) {
        planned p{&in, st.store.find_by(*id_property, in.id), {}};
        p.props = p.existing ? in.props : with_key(in, *id_property);
        plan.push_back(std::move(p));
    }

    render_options ro;
    ro.style = req.r.style;
    ro.all_set = true;
    ro.nulls_allowed = false; // SimplePublicUpsertObject.properties are non-nullable strings
    boost::json::array results;
    std::vector<api_error> errors;
    auto add_result = [&](const contact& c, const batch_input& in, bool created) {
        auto o = render_contact(st, c, ro);
        o["new"] = created;
        if (in.trace_id)
            o["objectWriteTraceId"] = *in.trace_id;
        results.push_back(std::move(o));
    };

    if (b.traced) {
        for (auto& p : plan) {
            // Earlier inputs may have created the key meanwhile; look again.
            p.existing = st.store.find_by(*id_property, p.in->id);
            auto r = p.existing ? st.store.update(p.existing->id, p.in->props, ctx)
                                : st.store.create(with_key(*p.in, *id_property), ctx);
            if (r)
                add_result(**r, *p.in, !p.existing);
            else
                errors.push_back(with_trace(r.error(), *p.in));
        }
        return batch_reply(st, 200, std::move(results), errors, now);
    }

    std::vector<prop_list> prepared;
    for (const auto& p : plan) {
        auto n = st.store.prepare(p.props, p.existing, ctx);
        if (!n)
            return st.error(n.error());
        if (auto c = st.store.conflict(*n, p.existing ? p.existing->id : 0))
            return st.error(*c);
        prepared.push_back(std::move(*n));
    }
    if (auto e = duplicate_unique_value(st, prepared))
        return st.error(*e);
    for (std::size_t i = 0; i < plan.size(); ++i) {
        const auto& p = plan[i];
        const contact& c = p.existing ? st.store.apply(p.existing->id, prepared[i], ctx)
                                      : st.store.insert(prepared[i], ctx);
        add_result(c, *p.in, !p.existing);
    }
    return batch_reply(st, 200, std::move(results), errors, now);
}

} // namespace

reply handle_batch_endpoint(state& st, const api_request& req)
{
    const bool with_properties = req.r.ep == endpoint::batch_create || req.r.ep == endpoint::batch_update ||
                                 req.r.ep == endpoint::batch_upsert;
    auto b = read_batch(req.body, with_properties);
    if (!b)
        return st.error(b.error());
    switch (req.r.ep) {
    case endpoint::batch_read:
        return batch_read(st, req, *b);
    case endpoint::batch_create:
        return batch_create(st, req, *b);
    case endpoint::batch_update:
        return batch_update(st, req, *b);
    case endpoint::batch_upsert:
        return batch_upsert(st, req, *b);
    case endpoint::batch_archive:
        for (const auto& in : b->inputs)
            if (const auto id = parse_id(in.id))
                st.store.archive(*id, st.api_ctx());
        return reply{204, {}, {}};
    default:
        return st.error(not_found_error());
    }
}

} // namespace crmsync::sandbox::hubspot
