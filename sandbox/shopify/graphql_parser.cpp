#include "sandbox/shopify/graphql_parser.hpp"

#include "sandbox/shopify/graphql_lexer.hpp"

namespace crmsync::sandbox::shopify {
namespace {

// Thrown inside the parser only; parse_document() turns it into a returned syntax_error.
struct parse_failure {
    syntax_error error;
};

class parser {
public:
    explicit parser(std::string_view text) : lex_(text) { cur_ = lex_.next(); }

    document parse()
    {
        document doc;
        if (cur_.kind == token_kind::eof)
            fail();
        while (cur_.kind != token_kind::eof) {
            if (is_punct("{")) {
                operation_definition op;
                op.loc = cur_.loc;
                op.selections = selections();
                doc.operations.push_back(std::move(op));
            } else if (is_name("query") || is_name("mutation") || is_name("subscription")) {
                doc.operations.push_back(operation());
            } else if (is_name("fragment")) {
                doc.fragments.push_back(fragment());
            } else {
                fail();
            }
        }
        return doc;
    }

private:
    bool is_punct(std::string_view p) const { return cur_.kind == token_kind::punct && cur_.text == p; }
    bool is_name(std::string_view n) const { return cur_.kind == token_kind::name && cur_.text == n; }

    [[noreturn]] void fail() const
    {
        syntax_error e;
        e.loc = cur_.loc;
        e.message = "syntax error, unexpected " + describe_token(cur_) + " at [" + std::to_string(cur_.loc.line) +
                    ", " + std::to_string(cur_.loc.column) + "]";
        throw parse_failure{e};
    }

    token take()
    {
        token t = cur_;
        cur_ = lex_.next();
        return t;
    }

    void expect_punct(std::string_view p)
    {
        if (!is_punct(p))
            fail();
        take();
    }

    std::string name()
    {
        if (cur_.kind != token_kind::name)
            fail();
        return take().text;
    }

    operation_definition operation()
    {
        operation_definition op;
        op.loc = cur_.loc;
        op.kind = take().text;
        if (cur_.kind == token_kind::name)
            op.name = take().text;
        if (is_punct("(")) {
            take();
            if (is_punct(")"))
                fail();
            while (!is_punct(")"))
                op.variables.push_back(variable_def());
            take();
        }
        op.directives = directives(false);
        op.selections = selections();
        return op;
    }

    variable_definition variable_def()
    {
        variable_definition v;
        v.loc = cur_.loc;
        expect_punct("$");
        v.name = name();
        expect_punct(":");
        v.type = type();
        if (is_punct("=")) {
            take();
            v.default_value = value(true);
        }
        directives(true);
        return v;
    }

    type_ref type()
    {
        type_ref t;
        if (is_punct("[")) {
            take();
            t.item = std::make_shared<type_ref>(type());
            expect_punct("]");
        } else {
            t.named = name();
        }
        if (is_punct("!")) {
            take();
            t.non_null = true;
        }
        return t;
    }

    fragment_definition fragment()
    {
        fragment_definition f;
        f.loc = cur_.loc;
        take();
        if (is_name("on"))
            fail();
        f.name = name();
        if (!is_name("on"))
            fail();
        take();
        f.type_condition = name();
        f.directives = directives(false);
        f.selections = selections();
        return f;
    }

    selection_set selections()
    {
        selection_set set;
        set.loc = cur_.loc;
        expect_punct("{");
        if (is_punct("}"))
            fail();
        while (!is_punct("}")) {
            if (cur_.kind == token_kind::eof)
                fail();
            set.items.push_back(selection_item());
        }
        take();
        return set;
    }

    selection selection_item()
    {
        selection s;
        s.loc = cur_.loc;
        if (is_punct("...")) {
            take();
            if (cur_.kind == token_kind::name && cur_.text != "on") {
                s.k = selection::kind::fragment_spread;
                s.name = take().text;
                s.directives = directives(false);
                return s;
            }
            s.k = selection::kind::inline_fragment;
            if (is_name("on")) {
                take();
                s.type_condition = name();
            }
            s.directives = directives(false);
            s.sub = selections();
            s.has_selection_set = true;
            return s;
        }
        s.k = selection::kind::field;
        s.name = name();
        if (is_punct(":")) {
            take();
            s.alias = s.name;
            s.loc = cur_.loc;
            s.name = name();
        }
        if (is_punct("("))
            s.arguments = arguments(false);
        s.directives = directives(false);
        if (is_punct("{")) {
            s.sub = selections();
            s.has_selection_set = true;
        }
        return s;
    }

    std::vector<argument> arguments(bool constant)
    {
        std::vector<argument> out;
        expect_punct("(");
        if (is_punct(")"))
            fail();
        while (!is_punct(")")) {
            argument a;
            a.loc = cur_.loc;
            a.name = name();
            expect_punct(":");
            a.value = value(constant);
            out.push_back(std::move(a));
        }
        take();
        return out;
    }

    std::vector<directive> directives(bool constant)
    {
        std::vector<directive> out;
        while (is_punct("@")) {
            directive d;
            d.loc = cur_.loc;
            take();
            d.name = name();
            if (is_punct("("))
                d.arguments = arguments(constant);
            out.push_back(std::move(d));
        }
        return out;
    }

    gql_value value(bool constant)
    {
        gql_value v;
        v.loc = cur_.loc;
        switch (cur_.kind) {
        case token_kind::int_value: v.k = gql_value::kind::int_value; v.text = take().text; return v;
        case token_kind::float_value: v.k = gql_value::kind::float_value; v.text = take().text; return v;
        case token_kind::string_value:
        case token_kind::block_string: v.k = gql_value::kind::string_value; v.text = take().text; return v;
        case token_kind::name:
            if (cur_.text == "true" || cur_.text == "false") {
                v.k = gql_value::kind::boolean_value;
                v.boolean = take().text == "true";
            } else if (cur_.text == "null") {
                take();
                v.k = gql_value::kind::null_value;
            } else {
                v.k = gql_value::kind::enum_value;
                v.text = take().text;
            }
            return v;
        case token_kind::punct:
            if (cur_.text == "$" && !constant) {
                take();
                v.k = gql_value::kind::variable;
                v.text = name();
                return v;
            }
            if (cur_.text == "[") {
                take();
                v.k = gql_value::kind::list;
                while (!is_punct("]")) {
                    if (cur_.kind == token_kind::eof)
                        fail();
                    v.items.push_back(value(constant));
                }
                take();
                return v;
            }
            if (cur_.text == "{") {
                take();
                v.k = gql_value::kind::object;
                while (!is_punct("}")) {
                    std::string n = name();
                    expect_punct(":");
                    v.fields.emplace_back(std::move(n), value(constant));
                }
                take();
                return v;
            }
            break;
        default: break;
        }
        fail();
    }

    lexer lex_;
    token cur_;
};

} // namespace

boost::system::result<document, syntax_error> parse_document(std::string_view text)
{
    try {
        return parser(text).parse();
    } catch (const parse_failure& f) {
        return f.error;
    }
}

std::string type_ref::to_string() const
{
    std::string s = item ? "[" + item->to_string() + "]" : named;
    return non_null ? s + "!" : s;
}

type_ref type_ref::parse(const std::string& text)
{
    type_ref t;
    std::string s = text;
    if (!s.empty() && s.back() == '!') {
        t.non_null = true;
        s.pop_back();
    }
    if (!s.empty() && s.front() == '[')
        t.item = std::make_shared<type_ref>(parse(s.substr(1, s.size() - 2)));
    else
        t.named = s;
    return t;
}

} // namespace crmsync::sandbox::shopify
