#include "sandbox/shopify/validator.hpp"

#include <map>
#include <set>

namespace crmsync::sandbox::shopify {
namespace json = boost::json;

boost::json::array locations_of(source_location loc)
{
    return json::array{json::object{{"line", loc.line}, {"column", loc.column}}};
}

boost::json::object make_error(const std::string& message, source_location loc, json::array path, json::object extensions)
{
    json::object e;
    e["message"] = message;
    e["locations"] = locations_of(loc);
    if (!path.empty())
        e["path"] = std::move(path);
    e["extensions"] = std::move(extensions);
    return e;
}

std::string print_literal(const gql_value& v)
{
    switch (v.k) {
    case gql_value::kind::variable: return "$" + v.text;
    case gql_value::kind::int_value:
    case gql_value::kind::float_value:
    case gql_value::kind::enum_value: return v.text;
    case gql_value::kind::string_value: {
        std::string out = "\"";
        for (char c : v.text)
            out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
        return out + "\"";
    }
    case gql_value::kind::boolean_value: return v.boolean ? "true" : "false";
    case gql_value::kind::null_value: return "null";
    case gql_value::kind::list: {
        std::string out = "[";
        for (std::size_t i = 0; i < v.items.size(); ++i)
            out += (i ? ", " : "") + print_literal(v.items[i]);
        return out + "]";
    }
    case gql_value::kind::object: {
        std::string out = "{";
        for (std::size_t i = 0; i < v.fields.size(); ++i)
            out += (i ? ", " : "") + v.fields[i].first + ": " + print_literal(v.fields[i].second);
        return out + "}";
    }
    }
    return "";
}

namespace {

struct variable_usage {
    std::string name;
    type_ref expected;
    bool location_has_default = false;
    std::string argument;
    source_location loc;
};

// Where a literal sits, for messages: "Argument 'a' on Field 'f'" or "... on InputObject 'T'".
struct literal_owner {
    std::string kind; // "Field" | "InputObject"
    std::string name;
    std::string argument;
};

bool is_subtype(const type_ref& var, const type_ref& loc)
{
    if (loc.non_null && !var.non_null)
        return false;
    if (loc.is_list() != var.is_list())
        return false;
    if (loc.is_list())
        return is_subtype(*var.item, *loc.item);
    return var.named == loc.named;
}

class validator {
public:
    validator(const schema& s, const document& doc) : s_(s), doc_(doc) {}

    json::array run()
    {
        check_fragment_definitions();
        for (const auto& op : doc_.operations)
            check_operation(op);
        return std::move(errors_);
    }

private:
    json::array path_with(std::initializer_list<json::value> extra = {}) const
    {
        json::array p(path_.begin(), path_.end());
        for (const auto& e : extra)
            p.push_back(e);
        return p;
    }

    void error(const std::string& msg, source_location loc, json::array path, json::object ext)
    {
        errors_.push_back(make_error(msg, loc, std::move(path), std::move(ext)));
    }

    void check_fragment_definitions()
    {
        std::set<std::string> seen;
        std::set<std::string> used;
        for (const auto& op : doc_.operations)
            collect_spreads(op.selections, used);
        for (const auto& f : doc_.fragments)
            collect_spreads(f.selections, used);
        for (const auto& f : doc_.fragments) {
            path_ = {json::value("fragment " + f.name)};
            if (!seen.insert(f.name).second)
                error("Fragment name \"" + f.name + "\" must be unique", f.loc, path_with(),
                      {{"code", "fragmentNotUnique"}, {"fragmentName", f.name}});
            if (!used.count(f.name))
                error("Fragment " + f.name + " was defined, but not used", f.loc, path_with(),
                      {{"code", "useAndDefineFragment"}, {"fragmentName", f.name}});
            std::set<std::string> stack;
            if (has_cycle(f.name, stack))
                error("Fragment " + f.name + " contains an infinite loop", f.loc, path_with(),
                      {{"code", "infiniteLoop"}, {"fragmentName", f.name}});
            const type_def* t = s_.type(f.type_condition);
            if (!t) {
                error("No such type " + f.type_condition + ", so it can't be a fragment condition", f.loc, path_with(),
                      {{"code", "undefinedType"}, {"typeName", f.type_condition}});
                continue;
            }
            if (!t->is_composite()) {
                error("Invalid fragment on type " + t->name + " (must be Union, Interface or Object)", f.loc,
                      path_with(), {{"code", "fragmentOnNonCompositeType"}, {"typeName", t->name}});
                continue;
            }
            current_fragment_ = f.name;
            check_directives(f.directives);
            if (!t->stub)
                check_selection_set(*t, f.selections);
            current_fragment_.clear();
        }
    }

    void collect_spreads(const selection_set& set, std::set<std::string>& out) const
    {
        for (const auto& sel : set.items) {
            if (sel.k == selection::kind::fragment_spread)
                out.insert(sel.name);
            else
                collect_spreads(sel.sub, out);
        }
    }

    bool has_cycle(const std::string& name, std::set<std::string>& stack) const
    {
        const fragment_definition* f = doc_.fragment(name);
        if (!f)
            return false;
        if (!stack.insert(name).second)
            return true;
        std::set<std::string> spreads;
        collect_spreads(f->selections, spreads);
        for (const auto& s : spreads)
            if (has_cycle(s, stack))
                return true;
        stack.erase(name);
        return false;
    }

    void check_operation(const operation_definition& op)
    {
        path_ = {json::value(op.path_name())};
        usages_.clear();
        if (op.kind == "subscription") {
            error("Schema is not configured for subscriptions", op.loc, path_with(),
                  {{"code", "missingSubscriptionConfiguration"}});
            return;
        }
        std::set<std::string> declared;
        for (const auto& v : op.variables) {
            if (!declared.insert(v.name).second)
                error("There can only be one variable named \"" + v.name + "\"", v.loc, path_with(),
                      {{"code", "variableNotUnique"}, {"variableName", v.name}});
            const type_def* t = s_.type(v.type.base_name());
            if (!t) {
                error(v.type.base_name() + " isn't a defined input type (on $" + v.name + ")", v.loc, path_with(),
                      {{"code", "variableRequiresValidType"}, {"typeName", v.type.base_name()}, {"variableName", v.name}});
            } else if (!t->is_input()) {
                error(v.type.base_name() + " isn't a valid input type (on $" + v.name + ")", v.loc, path_with(),
                      {{"code", "variableRequiresValidType"}, {"typeName", v.type.base_name()}, {"variableName", v.name}});
            } else if (v.default_value && !literal_ok(*v.default_value, v.type)) {
                error("Default value for $" + v.name + " doesn't match type " + v.type.to_string(), v.loc, path_with(),
                      {{"code", "defaultValueInvalidType"}, {"variableName", v.name}, {"typeName", v.type.to_string()}});
            }
        }
        check_directives(op.directives);
        const type_def& root = op.kind == "mutation" ? s_.mutation_root() : s_.query_root();
        check_selection_set(root, op.selections);

        std::vector<variable_usage> all = usages_;
        std::set<std::string> visited;
        std::set<std::string> spreads;
        collect_spreads(op.selections, spreads);
        while (!spreads.empty()) {
            std::string f = *spreads.begin();
            spreads.erase(spreads.begin());
            if (!visited.insert(f).second)
                continue;
            auto it = fragment_usages_.find(f);
            if (it != fragment_usages_.end())
                all.insert(all.end(), it->second.begin(), it->second.end());
            if (const fragment_definition* fd = doc_.fragment(f))
                collect_spreads(fd->selections, spreads);
        }
        std::string who = op.name.empty() ? "anonymous " + op.kind : op.name;
        std::set<std::string> used;
        for (const auto& u : all) {
            used.insert(u.name);
            const variable_definition* def = nullptr;
            for (const auto& v : op.variables)
                if (v.name == u.name)
                    def = &v;
            if (!def) {
                error("Variable $" + u.name + " is used by " + who + " but not declared", u.loc, path_with(),
                      {{"code", "variableNotDefined"}, {"variableName", u.name}});
                continue;
            }
            type_ref effective = def->type;
            if (!effective.non_null && def->default_value && def->default_value->k != gql_value::kind::null_value)
                effective.non_null = true;
            type_ref expected = u.expected;
            if (u.location_has_default)
                expected.non_null = false;
            if (!is_subtype(effective, expected)) {
                type_ref relaxed_v = def->type, relaxed_e = u.expected;
                relaxed_v.non_null = relaxed_e.non_null = false;
                std::string kind = is_subtype(relaxed_v, relaxed_e) ? "Nullability mismatch"
                                   : relaxed_v.is_list() != relaxed_e.is_list() ? "List dimension mismatch"
                                                                                : "Type mismatch";
                error(kind + " on variable $" + u.name + " and argument " + u.argument + " (" + def->type.to_string() +
                          " / " + u.expected.to_string() + ")",
                      u.loc, path_with(),
                      {{"code", "variableMismatch"}, {"variableName", u.name}, {"typeName", def->type.to_string()},
                       {"argumentName", u.argument}, {"errorMessage", kind}});
            }
        }
        for (const auto& v : op.variables)
            if (!used.count(v.name))
                error("Variable $" + v.name + " is declared by " + who + " but not used", op.loc, path_with(),
                      {{"code", "variableNotUsed"}, {"variableName", v.name}});
    }

    void check_directives(const std::vector<directive>& dirs)
    {
        for (const auto& d : dirs) {
            if (d.name != "include" && d.name != "skip") {
                error("Directive @" + d.name + " is not defined", d.loc, path_with(),
                      {{"code", "undefinedDirective"}, {"directiveName", d.name}});
                continue;
            }
            const argument* cond = nullptr;
            for (const auto& a : d.arguments) {
                if (a.name == "if")
                    cond = &a;
                else
                    error("Directive '" + d.name + "' doesn't accept argument '" + a.name + "'", a.loc, path_with(),
                          {{"code", "argumentNotAccepted"}, {"name", d.name}, {"typeName", "Directive"}, {"argumentName", a.name}});
            }
            if (!cond) {
                error("Directive '" + d.name + "' is missing required arguments: if", d.loc, path_with(),
                      {{"code", "missingRequiredArguments"}, {"className", "Directive"}, {"name", d.name}, {"arguments", "if"}});
                continue;
            }
            check_argument_value(cond->value, type_ref::parse("Boolean!"), {"Directive", d.name, "if"}, cond->loc, false);
        }
    }

    void check_selection_set(const type_def& parent, const selection_set& set)
    {
        for (const auto& sel : set.items) {
            check_directives(sel.directives);
            if (sel.k == selection::kind::field) {
                check_field(parent, sel);
            } else if (sel.k == selection::kind::fragment_spread) {
                const fragment_definition* f = doc_.fragment(sel.name);
                if (!f) {
                    error("Fragment " + sel.name + " was used, but not defined", sel.loc, path_with(),
                          {{"code", "useAndDefineFragment"}, {"fragmentName", sel.name}});
                    continue;
                }
                const type_def* t = s_.type(f->type_condition);
                if (t && t->is_composite() && !s_.overlaps(parent, *t))
                    error("Fragment " + sel.name + " on " + t->name + " can't be spread inside " + parent.name, sel.loc,
                          path_with(),
                          {{"code", "cannotSpreadFragment"}, {"typeName", t->name}, {"fragmentName", sel.name},
                           {"parentName", parent.name}});
            } else {
                const type_def* t = &parent;
                if (!sel.type_condition.empty()) {
                    t = s_.type(sel.type_condition);
                    if (!t) {
                        error("No such type " + sel.type_condition + ", so it can't be a fragment condition", sel.loc,
                              path_with(), {{"code", "undefinedType"}, {"typeName", sel.type_condition}});
                        continue;
                    }
                    if (!t->is_composite()) {
                        error("Invalid fragment on type " + t->name + " (must be Union, Interface or Object)", sel.loc,
                              path_with(), {{"code", "fragmentOnNonCompositeType"}, {"typeName", t->name}});
                        continue;
                    }
                    if (!s_.overlaps(parent, *t)) {
                        error("Fragment on " + t->name + " can't be spread inside " + parent.name, sel.loc, path_with(),
                              {{"code", "cannotSpreadFragment"}, {"typeName", t->name}, {"fragmentName", "unknown"},
                               {"parentName", parent.name}});
                        continue;
                    }
                }
                // Selections on types the emulator does not model cannot be checked; they never
                // match an emulated object at execution time.
                if (!t->stub)
                    check_selection_set(*t, sel.sub);
            }
        }
    }

    void check_field(const type_def& parent, const selection& sel)
    {
        path_.emplace_back(sel.response_key());
        struct pop_guard {
            std::vector<json::value>& p;
            ~pop_guard() { p.pop_back(); }
        } guard{path_};

        if (sel.name == "__typename") {
            if (sel.has_selection_set)
                error("Selections can't be made on scalars (field '__typename' returns String but has selections [" +
                          selection_names(sel) + "])",
                      sel.loc, path_with(), {{"code", "selectionMismatch"}, {"nodeName", "field '__typename'"}, {"typeName", "String"}});
            return;
        }
        const field_def* f = parent.field(sel.name);
        if (!f) {
            error("Field '" + sel.name + "' doesn't exist on type '" + parent.name + "'", sel.loc, path_with(),
                  {{"code", "undefinedField"}, {"typeName", parent.name}, {"fieldName", sel.name}});
            return;
        }
        if (!f->implemented) {
            error("Field '" + sel.name + "' on type '" + parent.name +
                      "' exists in Shopify's Admin API but is not emulated by the crmsync sandbox",
                  sel.loc, path_with(), {{"code", "FIELD_NOT_EMULATED"}, {"typeName", parent.name}, {"fieldName", sel.name}});
            return;
        }
        check_arguments(*f, sel);
        const type_def* rt = s_.type(f->type.base_name());
        if (!rt)
            return;
        std::string node = "field '" + sel.name + "'";
        if (rt->is_leaf() && sel.has_selection_set) {
            std::string kind = rt->kind == type_kind::enum_type ? "enums" : "scalars";
            error("Selections can't be made on " + kind + " (" + node + " returns " + rt->name + " but has selections [" +
                      selection_names(sel) + "])",
                  sel.loc, path_with(), {{"code", "selectionMismatch"}, {"nodeName", node}, {"typeName", rt->name}});
        } else if (rt->is_composite() && !sel.has_selection_set) {
            error("Field must have selections (" + node + " returns " + rt->name + " but has no selections. Did you mean '" +
                      sel.name + " { ... }'?)",
                  sel.loc, path_with(), {{"code", "selectionMismatch"}, {"nodeName", node}, {"typeName", rt->name}});
        } else if (rt->is_composite() && !rt->stub) {
            check_selection_set(*rt, sel.sub);
        }
    }

    static std::string selection_names(const selection& sel)
    {
        std::string out;
        for (const auto& s : sel.sub.items) {
            if (!out.empty())
                out += ", ";
            out += s.k == selection::kind::field ? s.name : "...";
        }
        return out;
    }

    void check_arguments(const field_def& f, const selection& sel)
    {
        std::string missing;
        for (const auto& a : sel.arguments) {
            const input_value_def* def = f.arg(a.name);
            if (!def) {
                error("Field '" + f.name + "' doesn't accept argument '" + a.name + "'", a.loc, path_with({json::value(a.name)}),
                      {{"code", "argumentNotAccepted"}, {"name", f.name}, {"typeName", "Field"}, {"argumentName", a.name}});
                continue;
            }
            check_argument_value(a.value, def->type, {"Field", f.name, a.name}, sel.loc, def->default_value.has_value());
        }
        for (const auto& def : f.args) {
            if (!def.type.non_null || def.default_value)
                continue;
            bool given = false;
            for (const auto& a : sel.arguments)
                given |= a.name == def.name;
            if (!given)
                missing += (missing.empty() ? "" : ", ") + def.name;
        }
        if (!missing.empty())
            error("Field '" + f.name + "' is missing required arguments: " + missing, sel.loc, path_with(),
                  {{"code", "missingRequiredArguments"}, {"className", "Field"}, {"name", f.name}, {"arguments", missing}});
    }

    // Reports the innermost incompatibility, like graphql-ruby does.
    void check_argument_value(const gql_value& v, const type_ref& t, const literal_owner& owner, source_location loc,
                              bool has_default)
    {
        std::vector<std::string> nested;
        check_literal(v, t, owner, loc, has_default, nested);
    }

    bool check_literal(const gql_value& v, const type_ref& t, const literal_owner& owner, source_location loc,
                       bool has_default, std::vector<std::string>& nested)
    {
        if (v.k == gql_value::kind::variable) {
            variable_usage u{v.text, t, has_default, owner.argument, v.loc};
            if (current_fragment_.empty())
                usages_.push_back(u);
            else
                fragment_usages_[current_fragment_].push_back(u);
            return true;
        }
        const type_def* named = s_.type(t.base_name());
        if (v.k != gql_value::kind::null_value && !t.is_list() && named && named->kind == type_kind::input_object &&
            v.k == gql_value::kind::object && !named->stub)
            return check_input_object(v, *named, loc, nested);
        if (!literal_ok(v, t)) {
            json::array p = path_with();
            for (const auto& n : nested)
                p.push_back(json::value(n));
            p.push_back(json::value(owner.argument));
            error("Argument '" + owner.argument + "' on " + owner.kind + " '" + owner.name + "' has an invalid value (" +
                      print_literal(v) + "). Expected type '" + t.to_string() + "'.",
                  loc, std::move(p), {{"code", "argumentLiteralsIncompatible"}, {"typeName", owner.kind}, {"argumentName", owner.argument}});
            return false;
        }
        if (t.is_list() && v.k == gql_value::kind::list)
            for (const auto& item : v.items)
                record_variables(item, *t.item, owner);
        return true;
    }

    bool check_input_object(const gql_value& v, const type_def& t, source_location loc, std::vector<std::string>& nested)
    {
        bool ok = true;
        for (const auto& [name, value] : v.fields) {
            const input_value_def* def = t.input_field(name);
            if (!def) {
                error("InputObject '" + t.name + "' doesn't accept argument '" + name + "'", value.loc, path_with(),
                      {{"code", "argumentNotAccepted"}, {"name", t.name}, {"typeName", "InputObject"}, {"argumentName", name}});
                ok = false;
                continue;
            }
            ok &= check_literal(value, def->type, {"InputObject", t.name, name}, loc, def->default_value.has_value(), nested);
        }
        for (const auto& def : t.input_fields) {
            if (!def.type.non_null || def.default_value)
                continue;
            bool given = false;
            for (const auto& f : v.fields)
                given |= f.first == def.name;
            if (!given) {
                error("Argument '" + def.name + "' on InputObject '" + t.name + "' is required. Expected type " +
                          def.type.to_string(),
                      loc, path_with(),
                      {{"code", "missingRequiredInputObjectAttribute"}, {"argumentName", def.name},
                       {"argumentType", def.type.to_string()}, {"inputObjectType", t.name}});
                ok = false;
            }
        }
        return ok;
    }

    void record_variables(const gql_value& v, const type_ref& t, const literal_owner& owner)
    {
        std::vector<std::string> nested;
        if (v.k == gql_value::kind::variable)
            check_literal(v, t, owner, v.loc, false, nested);
    }

    // Literal compatibility ignoring variables (they are checked through their usages).
    bool literal_ok(const gql_value& v, const type_ref& t) const
    {
        if (v.k == gql_value::kind::variable)
            return true;
        if (v.k == gql_value::kind::null_value)
            return !t.non_null;
        if (t.is_list()) {
            if (v.k != gql_value::kind::list)
                return literal_ok(v, *t.item);
            for (const auto& item : v.items)
                if (!literal_ok(item, *t.item))
                    return false;
            return true;
        }
        const type_def* named = s_.type(t.named);
        if (!named || named->stub)
            return true;
        switch (named->kind) {
        case type_kind::enum_type: return v.k == gql_value::kind::enum_value && named->has_enum_value(v.text);
        case type_kind::input_object: {
            if (v.k != gql_value::kind::object)
                return false;
            for (const auto& [name, value] : v.fields) {
                const input_value_def* def = named->input_field(name);
                if (!def || !literal_ok(value, def->type))
                    return false;
            }
            for (const auto& def : named->input_fields) {
                if (!def.type.non_null || def.default_value)
                    continue;
                bool given = false;
                for (const auto& f : v.fields)
                    given |= f.first == def.name;
                if (!given)
                    return false;
            }
            return true;
        }
        case type_kind::scalar: return scalar_literal_ok(named->name, v);
        default: return false;
        }
    }

    static bool scalar_literal_ok(const std::string& scalar, const gql_value& v)
    {
        if (scalar == "Int") {
            if (v.k != gql_value::kind::int_value)
                return false;
            try {
                long long n = std::stoll(v.text);
                return n >= -2147483648LL && n <= 2147483647LL;
            } catch (...) {
                return false;
            }
        }
        if (scalar == "Float")
            return v.k == gql_value::kind::int_value || v.k == gql_value::kind::float_value;
        if (scalar == "String")
            return v.k == gql_value::kind::string_value;
        if (scalar == "Boolean")
            return v.k == gql_value::kind::boolean_value;
        if (scalar == "ID")
            return v.k == gql_value::kind::string_value || v.k == gql_value::kind::int_value;
        return v.k == gql_value::kind::string_value || v.k == gql_value::kind::int_value ||
               v.k == gql_value::kind::float_value || v.k == gql_value::kind::boolean_value;
    }

    const schema& s_;
    const document& doc_;
    json::array errors_;
    std::vector<json::value> path_;
    std::string current_fragment_;
    std::vector<variable_usage> usages_;
    std::map<std::string, std::vector<variable_usage>> fragment_usages_;
};

} // namespace

boost::json::array validate_document(const schema& s, const document& doc)
{
    return validator(s, doc).run();
}

} // namespace crmsync::sandbox::shopify
