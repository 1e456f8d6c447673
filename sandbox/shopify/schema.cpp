#include "sandbox/shopify/schema.hpp"

#include "sandbox/shopify/graphql_lexer.hpp"

#include <stdexcept>

namespace crmsync::sandbox::shopify {
namespace {

// Reads the restricted SDL the extraction script writes (no descriptions, no extensions).
class sdl_reader {
public:
    explicit sdl_reader(std::string_view text) : lex_(text) { cur_ = lex_.next(); }

    void read(std::unordered_map<std::string, type_def>& types, std::string& query_root, std::string& mutation_root)
    {
        while (cur_.kind != token_kind::eof) {
            std::string kw = name();
            if (kw == "schema") {
                expect("{");
                while (!is("}")) {
                    std::string op = name();
                    expect(":");
                    (op == "query" ? query_root : mutation_root) = name();
                }
                take();
                continue;
            }
            type_def t;
            t.name = name();
            if (kw == "scalar") {
                t.kind = type_kind::scalar;
            } else if (kw == "type" || kw == "interface") {
                t.kind = kw == "type" ? type_kind::object : type_kind::interface;
                if (cur_.kind == token_kind::name && cur_.text == "implements") {
                    take();
                    t.interfaces.push_back(name());
                    while (is("&")) {
                        take();
                        t.interfaces.push_back(name());
                    }
                }
                skip_directives();
                if (is("{"))
                    read_fields(t);
                else
                    t.stub = true;
            } else if (kw == "union") {
                t.kind = type_kind::union_type;
                skip_directives();
                if (is("=")) {
                    take();
                    t.members.push_back(name());
                    while (is("|")) {
                        take();
                        t.members.push_back(name());
                    }
                } else {
                    t.stub = true;
                }
            } else if (kw == "enum") {
                t.kind = type_kind::enum_type;
                if (is("{")) {
                    take();
                    while (!is("}")) {
                        t.enum_values.push_back(name());
                        skip_directives();
                    }
                    take();
                } else {
                    t.stub = true;
                }
            } else if (kw == "input") {
                t.kind = type_kind::input_object;
                if (is("{")) {
                    take();
                    while (!is("}"))
                        t.input_fields.push_back(input_value());
                    take();
                } else {
                    t.stub = true;
                }
            } else {
                throw std::logic_error("embedded SDL: unexpected definition " + kw);
            }
            std::string key = t.name;
            types.emplace(std::move(key), std::move(t));
        }
    }

private:
    bool is(std::string_view p) const { return cur_.kind == token_kind::punct && cur_.text == p; }
    token take()
    {
        token t = cur_;
        cur_ = lex_.next();
        return t;
    }
    void expect(std::string_view p)
    {
        if (!is(p))
            throw std::logic_error("embedded SDL: expected " + std::string(p) + " at line " + std::to_string(cur_.loc.line));
        take();
    }
    std::string name()
    {
        if (cur_.kind != token_kind::name)
            throw std::logic_error("embedded SDL: expected a name at line " + std::to_string(cur_.loc.line));
        return take().text;
    }
    type_ref type()
    {
        type_ref t;
        if (is("[")) {
            take();
            t.item = std::make_shared<type_ref>(type());
            expect("]");
        } else {
            t.named = name();
        }
        if (is("!")) {
            take();
            t.non_null = true;
        }
        return t;
    }
    gql_value const_value()
    {
        gql_value v;
        token t = take();
        switch (t.kind) {
        case token_kind::int_value: v.k = gql_value::kind::int_value; v.text = t.text; break;
        case token_kind::float_value: v.k = gql_value::kind::float_value; v.text = t.text; break;
        case token_kind::string_value:
        case token_kind::block_string: v.k = gql_value::kind::string_value; v.text = t.text; break;
        case token_kind::name:
            if (t.text == "true" || t.text == "false") {
                v.k = gql_value::kind::boolean_value;
                v.boolean = t.text == "true";
            } else if (t.text == "null") {
                v.k = gql_value::kind::null_value;
            } else {
                v.k = gql_value::kind::enum_value;
                v.text = t.text;
            }
            break;
        case token_kind::punct:
            if (t.text == "[") {
                v.k = gql_value::kind::list;
                while (!is("]"))
                    v.items.push_back(const_value());
                take();
                break;
            }
            if (t.text == "{") {
                v.k = gql_value::kind::object;
                while (!is("}")) {
                    std::string n = name();
                    expect(":");
                    v.fields.emplace_back(std::move(n), const_value());
                }
                take();
                break;
            }
            [[fallthrough]];
        default: throw std::logic_error("embedded SDL: bad value at line " + std::to_string(t.loc.line));
        }
        return v;
    }
    // Returns whether @deprecated / @unimplemented were present.
    std::pair<bool, bool> skip_directives()
    {
        bool deprecated = false, unimplemented = false;
        while (is("@")) {
            take();
            std::string d = name();
            deprecated |= d == "deprecated";
            unimplemented |= d == "unimplemented";
            if (is("(")) {
                take();
                while (!is(")")) {
                    name();
                    expect(":");
                    const_value();
                }
                take();
            }
        }
        return {deprecated, unimplemented};
    }
    input_value_def input_value()
    {
        input_value_def v;
        v.name = name();
        expect(":");
        v.type = type();
        if (is("=")) {
            take();
            v.default_value = const_value();
        }
        skip_directives();
        return v;
    }
    void read_fields(type_def& t)
    {
        expect("{");
        while (!is("}")) {
            field_def f;
            f.name = name();
            if (is("(")) {
                take();
                while (!is(")"))
                    f.args.push_back(input_value());
                take();
            }
            expect(":");
            f.type = type();
            auto [deprecated, unimplemented] = skip_directives();
            f.deprecated = deprecated;
            f.implemented = !unimplemented;
            t.fields.push_back(std::move(f));
        }
        take();
    }

    lexer lex_;
    token cur_;
};

} // namespace

const input_value_def* field_def::arg(std::string_view n) const
{
    for (const auto& a : args)
        if (a.name == n)
            return &a;
    return nullptr;
}

const field_def* type_def::field(std::string_view n) const
{
    for (const auto& f : fields)
        if (f.name == n)
            return &f;
    return nullptr;
}

const input_value_def* type_def::input_field(std::string_view n) const
{
    for (const auto& f : input_fields)
        if (f.name == n)
            return &f;
    return nullptr;
}

bool type_def::has_enum_value(std::string_view v) const
{
    for (const auto& e : enum_values)
        if (e == v)
            return true;
    return false;
}

schema::schema(std::string_view sdl)
{
    for (const char* builtin : {"String", "Int", "Float", "Boolean", "ID"}) {
        type_def t;
        t.name = builtin;
        t.kind = type_kind::scalar;
        types_.emplace(t.name, t);
    }
    sdl_reader(sdl).read(types_, query_root_, mutation_root_);
    if (!type(query_root_) || !type(mutation_root_))
        throw std::logic_error("embedded SDL: root types missing");
}

const type_def* schema::type(std::string_view name) const
{
    auto it = types_.find(std::string(name));
    return it == types_.end() ? nullptr : &it->second;
}

bool schema::is_possible(const type_def& abstract_or_object, const type_def& object) const
{
    if (abstract_or_object.name == object.name)
        return true;
    if (abstract_or_object.kind == type_kind::interface) {
        for (const auto& i : object.interfaces)
            if (i == abstract_or_object.name)
                return true;
        return false;
    }
    if (abstract_or_object.kind == type_kind::union_type) {
        for (const auto& m : abstract_or_object.members)
            if (m == object.name)
                return true;
    }
    return false;
}

bool schema::overlaps(const type_def& a, const type_def& b) const
{
    if (a.name == b.name)
        return true;
    // A stub abstract type's members are unknown: accept rather than reject a valid document.
    if ((a.stub && a.kind != type_kind::object) || (b.stub && b.kind != type_kind::object))
        return true;
    if (a.kind == type_kind::object && b.kind == type_kind::object)
        return false;
    if (a.kind == type_kind::object)
        return is_possible(b, a);
    if (b.kind == type_kind::object)
        return is_possible(a, b);
    for (const auto& [name, t] : types_)
        if (t.kind == type_kind::object && is_possible(a, t) && is_possible(b, t))
            return true;
    return false;
}

const schema& admin_schema()
{
    static const schema s = [] {
        std::string sdl;
        for (auto chunk : embedded_sdl_chunks())
            sdl += chunk;
        return schema(sdl);
    }();
    return s;
}

} // namespace crmsync::sandbox::shopify
