#include "sandbox/shopify/input_values.hpp"

#include "sandbox/shopify/validator.hpp"

#include <boost/json/serialize.hpp>

#include <limits>

namespace crmsync::sandbox::shopify {
namespace json = boost::json;
namespace {

// Shopify marks some input objects "exactly one field" in its own layer (not in the SDL).
bool is_one_of(const std::string& type_name)
{
    return type_name == "CustomerIdentifierInput";
}

void problem(json::array& out, const json::array& path, std::string explanation)
{
    out.push_back(json::object{{"path", path}, {"explanation", std::move(explanation)}});
}

json::array with(const json::array& path, json::value key)
{
    json::array p = path;
    p.push_back(std::move(key));
    return p;
}

void check(const schema& s, const type_ref& t, const json::value* v, const json::array& path, json::array& out)
{
    if (!v || v->is_null()) {
        if (t.non_null)
            problem(out, path, "Expected value to not be null");
        return;
    }
    if (t.is_list()) {
        if (!v->is_array()) {
            check(s, *t.item, v, path, out);
            return;
        }
        std::int64_t i = 0;
        for (const auto& item : v->as_array())
            check(s, *t.item, &item, with(path, i++), out);
        return;
    }
    const type_def* td = s.type(t.named);
    if (!td || td->stub)
        return;
    std::string shown = json::serialize(*v);
    switch (td->kind) {
    case type_kind::enum_type: {
        if (!v->is_string() || !td->has_enum_value(v->as_string())) {
            std::string all;
            for (const auto& e : td->enum_values)
                all += (all.empty() ? "" : ", ") + e;
            problem(out, path, "Expected " + shown + " to be one of: " + all);
        }
        return;
    }
    case type_kind::input_object: {
        if (!v->is_object()) {
            problem(out, path, "Expected " + shown + " to be a key-value object.");
            return;
        }
        const auto& obj = v->as_object();
        for (const auto& kv : obj)
            if (!td->input_field(kv.key()))
                problem(out, with(path, json::string(kv.key())), "Field is not defined on " + td->name);
        for (const auto& f : td->input_fields) {
            const json::value* fv = obj.if_contains(f.name);
            if (!fv && f.default_value)
                continue;
            check(s, f.type, fv, with(path, json::string(f.name)), out);
        }
        if (is_one_of(td->name) && obj.size() != 1)
            problem(out, path, "'" + td->name + "' requires exactly one argument, but " + std::to_string(obj.size()) +
                                   " were provided.");
        return;
    }
    case type_kind::scalar: {
        const std::string& n = td->name;
        bool ok = true;
        if (n == "Int")
            ok = v->is_int64() && v->as_int64() >= std::numeric_limits<std::int32_t>::min() &&
                 v->as_int64() <= std::numeric_limits<std::int32_t>::max();
        else if (n == "Float")
            ok = v->is_number();
        else if (n == "String" || n == "DateTime" || n == "URL" || n == "HTML" || n == "FormattedString")
            ok = v->is_string();
        else if (n == "Boolean")
            ok = v->is_bool();
        else if (n == "ID" || n == "UnsignedInt64" || n == "Decimal" || n == "Money")
            ok = v->is_string() || v->is_int64() || v->is_uint64() || (n == "Decimal" && v->is_double());
        if (!ok)
            problem(out, path, "Could not coerce value " + shown + " to " + n);
        return;
    }
    default: return;
    }
}

// Values are normalised so resolvers see one representation: IDs as strings.
json::value normalise(const schema& s, const type_ref& t, const json::value& v)
{
    if (v.is_null())
        return nullptr;
    if (t.is_list()) {
        json::array out;
        if (v.is_array())
            for (const auto& item : v.as_array())
                out.push_back(normalise(s, *t.item, item));
        else
            out.push_back(normalise(s, *t.item, v));
        return out;
    }
    const type_def* td = s.type(t.named);
    if (td && td->kind == type_kind::input_object && v.is_object()) {
        json::object out;
        for (const auto& kv : v.as_object()) {
            const input_value_def* f = td->input_field(kv.key());
            out[kv.key()] = f ? normalise(s, f->type, kv.value()) : kv.value();
        }
        for (const auto& f : td->input_fields)
            if (!out.contains(f.name) && f.default_value)
                out[f.name] = resolve_literal(*f.default_value, {});
        return out;
    }
    if (td && (td->name == "ID" || td->name == "UnsignedInt64") && (v.is_int64() || v.is_uint64()))
        return json::string(json::serialize(v));
    return v;
}

} // namespace

boost::json::array input_problems(const schema& s, const type_ref& t, const json::value* v)
{
    json::array out;
    check(s, t, v, json::array{}, out);
    return out;
}

boost::system::result<json::object, json::array>
coerce_variables(const schema& s, const operation_definition& op, const json::object& provided)
{
    json::object out;
    json::array errors;
    for (const auto& def : op.variables) {
        const json::value* v = provided.if_contains(def.name);
        if (!v && def.default_value) {
            out[def.name] = normalise(s, def.type, resolve_literal(*def.default_value, {}));
            continue;
        }
        json::array problems = input_problems(s, def.type, v);
        if (!problems.empty()) {
            std::string detail;
            for (const auto& p : problems) {
                const auto& path = p.as_object().at("path").as_array();
                if (path.empty())
                    continue;
                std::string dotted;
                for (const auto& seg : path)
                    dotted += (dotted.empty() ? "" : ".") +
                              (seg.is_string() ? std::string(seg.as_string()) : json::serialize(seg));
                detail += (detail.empty() ? "" : ", ") + dotted + " (" +
                          std::string(p.as_object().at("explanation").as_string()) + ")";
            }
            json::object e;
            e["message"] = "Variable $" + def.name + " of type " + def.type.to_string() + " was provided invalid value" +
                           (detail.empty() ? "" : " for " + detail);
            e["locations"] = locations_of(def.loc);
            e["extensions"] = json::object{{"code", "INVALID_VARIABLE"}, {"value", v ? *v : json::value(nullptr)},
                                           {"problems", std::move(problems)}};
            errors.push_back(std::move(e));
            continue;
        }
        if (v)
            out[def.name] = normalise(s, def.type, *v);
    }
    if (!errors.empty())
        return errors;
    return out;
}

json::value resolve_literal(const gql_value& v, const json::object& variables)
{
    switch (v.k) {
    case gql_value::kind::variable: {
        const json::value* found = variables.if_contains(v.text);
        return found ? *found : json::value(nullptr);
    }
    case gql_value::kind::int_value:
        try {
            return json::value(static_cast<std::int64_t>(std::stoll(v.text)));
        } catch (...) {
            return json::value(v.text);
        }
    case gql_value::kind::float_value: return json::value(std::stod(v.text));
    case gql_value::kind::string_value:
    case gql_value::kind::enum_value: return json::value(v.text);
    case gql_value::kind::boolean_value: return json::value(v.boolean);
    case gql_value::kind::null_value: return nullptr;
    case gql_value::kind::list: {
        json::array out;
        for (const auto& item : v.items)
            out.push_back(resolve_literal(item, variables));
        return out;
    }
    case gql_value::kind::object: {
        json::object out;
        for (const auto& [name, item] : v.fields) {
            // An omitted variable inside an input object means "field not given".
            if (item.k == gql_value::kind::variable && !variables.contains(item.text))
                continue;
            out[name] = resolve_literal(item, variables);
        }
        return out;
    }
    }
    return nullptr;
}

json::object resolve_arguments(const field_def& f, const selection& sel, const json::object& variables)
{
    json::object out;
    for (const auto& a : sel.arguments) {
        if (a.value.k == gql_value::kind::variable && !variables.contains(a.value.text)) {
            const input_value_def* def = f.arg(a.name);
            if (def && def->default_value)
                out[a.name] = resolve_literal(*def->default_value, {});
            continue;
        }
        json::value v = resolve_literal(a.value, variables);
        if (const input_value_def* def = f.arg(a.name))
            v = normalise(admin_schema(), def->type, v);
        out[a.name] = std::move(v);
    }
    for (const auto& def : f.args)
        if (!out.contains(def.name) && def.default_value)
            out[def.name] = resolve_literal(*def.default_value, {});
    return out;
}

} // namespace crmsync::sandbox::shopify
