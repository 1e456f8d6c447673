#pragma once
// Syntax tree of GraphQL executable documents (queries and mutations sent to the emulator) and the
// type references shared with the schema. Plain values, copyable, no behaviour.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace crmsync::sandbox::shopify {

// 1-based, columns counted in bytes like Shopify's parser does for ASCII documents.
struct source_location {
    int line = 0;
    int column = 0;
};

// A literal or variable reference as written in the document.
struct gql_field;

struct gql_value {
    enum class kind { variable, int_value, float_value, string_value, boolean_value, null_value, enum_value, list, object };
    kind k = kind::null_value;
    std::string text; // variable name, number literal, decoded string, enum name
    bool boolean = false;
    std::vector<gql_value> items;                              // list
    std::vector<gql_field> fields;                             // object, in written order
    source_location loc;
};

// An object value's member. Not a std::pair: clang cannot instantiate a pair of the still incomplete
// gql_value inside its own definition; first/second keep the pair's spelling (structured bindings too).
struct gql_field {
    gql_field(std::string name, gql_value value) : first(std::move(name)), second(std::move(value)) {}
    std::string first;
    gql_value second;
};

// Named type, list or non-null wrapper: "[ID!]!" is {item={named=ID, non_null}, non_null}.
struct type_ref {
    std::string named;                // empty for a list
    std::shared_ptr<type_ref> item;   // set for a list
    bool non_null = false;

    bool is_list() const { return item != nullptr; }
    const std::string& base_name() const { return item ? item->base_name() : named; }
    std::string to_string() const;
    static type_ref parse(const std::string& text); // precondition: well-formed ("[A!]!")
};

struct argument {
    std::string name;
    gql_value value;
    source_location loc;
};

struct directive {
    std::string name;
    std::vector<argument> arguments;
    source_location loc;
};

struct selection;

struct selection_set {
    std::vector<selection> items;
    source_location loc;
};

struct selection {
    enum class kind { field, fragment_spread, inline_fragment };
    kind k = kind::field;
    // field
    std::string alias; // empty when none
    std::string name;  // field name, or fragment name for a spread
    std::vector<argument> arguments;
    bool has_selection_set = false;
    // inline fragment
    std::string type_condition; // empty when none
    std::vector<directive> directives;
    selection_set sub;
    source_location loc;

    const std::string& response_key() const { return alias.empty() ? name : alias; }
};

struct variable_definition {
    std::string name;
    type_ref type;
    std::optional<gql_value> default_value;
    source_location loc;
};

struct operation_definition {
    std::string kind = "query"; // query | mutation | subscription
    std::string name;           // empty when anonymous
    std::vector<variable_definition> variables;
    std::vector<directive> directives;
    selection_set selections;
    source_location loc;

    // How Shopify names the operation in error paths: "query Foo", "mutation", ...
    std::string path_name() const { return name.empty() ? kind : kind + " " + name; }
};

struct fragment_definition {
    std::string name;
    std::string type_condition;
    std::vector<directive> directives;
    selection_set selections;
    source_location loc;
};

struct document {
    std::vector<operation_definition> operations;
    std::vector<fragment_definition> fragments;

    const fragment_definition* fragment(const std::string& name) const
    {
        for (const auto& f : fragments)
            if (f.name == name)
                return &f;
        return nullptr;
    }
};

} // namespace crmsync::sandbox::shopify
