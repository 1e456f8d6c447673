// GraphQL front end of the Shopify emulator: parser, schema-driven validation, variable coercion
// and calculated cost, exercised without HTTP.

#include "sandbox/shopify/cost.hpp"
#include "sandbox/shopify/graphql_parser.hpp"
#include "sandbox/shopify/input_values.hpp"
#include "sandbox/shopify/schema.hpp"
#include "sandbox/shopify/search.hpp"
#include "sandbox/shopify/validator.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <doctest/doctest.h>

namespace json = boost::json;
using namespace crmsync::sandbox::shopify;

namespace {

json::array validate(const std::string& q)
{
    auto doc = parse_document(q);
    REQUIRE_MESSAGE(doc.has_value(), (doc ? "" : doc.error().message));
    return validate_document(admin_schema(), *doc);
}

std::string first_message(const json::array& errors)
{
    REQUIRE(!errors.empty());
    return std::string(errors.front().as_object().at("message").as_string());
}

std::string first_code(const json::array& errors)
{
    REQUIRE(!errors.empty());
    return std::string(errors.front().as_object().at("extensions").as_object().at("code").as_string());
}

int cost_of(const std::string& q, const std::string& vars = "{}")
{
    auto doc = parse_document(q);
    REQUIRE(doc.has_value());
    REQUIRE(validate_document(admin_schema(), *doc).empty());
    auto coerced = coerce_variables(admin_schema(), doc->operations.front(), json::parse(vars).as_object());
    REQUIRE(coerced.has_value());
    return requested_cost(admin_schema(), *doc, doc->operations.front(), *coerced);
}

} // namespace

TEST_CASE("parser accepts the executable-document grammar")
{
    auto doc = parse_document(R"(
        query Q($id: ID!, $n: Int = 5, $flag: Boolean = true) @include(if: true) {
          a: customer(id: $id) { ...F ... on Customer { id } ... @skip(if: false) { email } }
          customers(first: $n, query: """
             block "quoted" string
          """) { nodes { id } }
        }
        mutation { customerCreate(input: {email: "a@b.co", tags: ["x", "y"], taxExempt: false, note: null,
                                         emailMarketingConsent: {marketingState: SUBSCRIBED}}) { userErrors { field } } }
        fragment F on Customer { firstName, lastName # comment
        })");
    REQUIRE(doc.has_value());
    CHECK(doc->operations.size() == 2);
    CHECK(doc->fragments.size() == 1);
    const auto& op = doc->operations[0];
    CHECK(op.name == "Q");
    CHECK(op.variables.size() == 3);
    CHECK(op.variables[1].default_value->text == "5");
    CHECK(op.selections.items[0].alias == "a");
    CHECK(op.selections.items[0].sub.items.size() == 3);
    CHECK(op.selections.items[1].arguments[1].value.text == "block \"quoted\" string");
    CHECK(doc->operations[1].kind == "mutation");
    CHECK(doc->operations[1].name.empty());
}

TEST_CASE("syntax errors are answered like Shopify with a location")
{
    auto doc = parse_document("query GraphqlBaseValidationInvalidSyntax {\n  shop {\n    id\n");
    REQUIRE_FALSE(doc.has_value());
    CHECK(doc.error().message == "syntax error, unexpected end of file at [4, 1]");
    CHECK(doc.error().loc.line == 4);
    auto bad = parse_document("{ customer(id: \"1\") { id } }}");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().message == "syntax error, unexpected RCURLY (\"}\") at [1, 29]");
    CHECK_FALSE(parse_document("").has_value());
    CHECK_FALSE(parse_document("{ a(x: \"unterminated) }").has_value());
}

TEST_CASE("validation names unknown fields, arguments and selections like graphql-ruby")
{
    auto e = validate("query { customer(id: \"gid://shopify/Customer/1\") { id nope } }");
    CHECK(first_message(e) == "Field 'nope' doesn't exist on type 'Customer'");
    CHECK(first_code(e) == "undefinedField");
    CHECK(json::serialize(e.front().as_object().at("path")) == R"(["query","customer","nope"])");

    e = validate("mutation InlineMissingInput {\n  customerCreate {\n    customer { id }\n    userErrors { field message }\n  }\n}");
    CHECK(json::serialize(e.front()) ==
          R"({"message":"Field 'customerCreate' is missing required arguments: input","locations":[{"line":2,"column":3}],)"
          R"("path":["mutation InlineMissingInput","customerCreate"],"extensions":{"code":"missingRequiredArguments",)"
          R"("className":"Field","name":"customerCreate","arguments":"input"}})");

    e = validate("mutation InlineNullInput {\n  customerCreate(input: null) {\n    customer { id }\n    userErrors { field message }\n  }\n}");
    CHECK(first_message(e) == "Argument 'input' on Field 'customerCreate' has an invalid value (null). Expected type 'CustomerInput!'.");
    CHECK(json::serialize(e.front().as_object().at("path")) == R"(["mutation InlineNullInput","customerCreate","input"])");

    CHECK(first_code(validate("{ customers(first: 1, foo: 2) { nodes { id } } }")) == "argumentNotAccepted");
    CHECK(first_message(validate("{ customer(id: \"x\") }")) ==
          "Field must have selections (field 'customer' returns Customer but has no selections. Did you mean 'customer { ... }'?)");
    CHECK(first_message(validate("{ customer(id: \"x\") { id { a } } }")) ==
          "Selections can't be made on scalars (field 'id' returns ID but has selections [a])");
    CHECK(first_message(validate("mutation { customerDelete(input: {id: \"x\"}) { userErrors { code } } }")) ==
          "Field 'code' doesn't exist on type 'UserError'");
    CHECK(first_code(validate("{ customer(id: \"x\") { lastOrder { id } } }")) == "FIELD_NOT_EMULATED");
    CHECK(first_code(validate("{ shop { id } }")) == "FIELD_NOT_EMULATED");
    CHECK(first_code(validate("{ customers(first: 1, sortKey: BOGUS) { nodes { id } } }")) == "argumentLiteralsIncompatible");
}

TEST_CASE("validation of variables, fragments and directives")
{
    CHECK(first_message(validate("query Q($id: ID) { customer(id: $id) { id } }")) ==
          "Nullability mismatch on variable $id and argument id (ID / ID!)");
    CHECK(first_message(validate("query Q($id: Int!) { customer(id: $id) { id } }")) ==
          "Type mismatch on variable $id and argument id (Int! / ID!)");
    CHECK(first_message(validate("query Q { customer(id: $id) { id } }")) == "Variable $id is used by Q but not declared");
    CHECK(first_message(validate("query Q($x: String) { customersCount { count } }")) == "Variable $x is declared by Q but not used");
    CHECK(first_message(validate("query Q($x: Nope) { customersCount(query: $x) { count } }")) ==
          "Nope isn't a defined input type (on $x)");
    CHECK(first_message(validate("{ customersCount { ...F } }")) == "Fragment F was used, but not defined");
    CHECK(first_message(validate("{ customersCount { count } } fragment F on Customer { id }")) ==
          "Fragment F was defined, but not used");
    CHECK(first_message(validate("{ customer(id: \"x\") { ... on Nope { id } } }")) ==
          "No such type Nope, so it can't be a fragment condition");
    CHECK(first_message(validate("{ customer(id: \"x\") { ... on MailingAddress { id } } }")) ==
          "Fragment on MailingAddress can't be spread inside Customer");
    CHECK(first_message(validate("{ customer(id: \"x\") { id @bogus } }")) == "Directive @bogus is not defined");
    CHECK(validate("query($id: ID!, $with: Boolean!) { nodes(ids: [$id]) { id ... on Customer { email @include(if: $with) } "
                   "... on Product { title } } }")
              .empty());
}

TEST_CASE("variables are coerced with Shopify's INVALID_VARIABLE problems")
{
    auto doc = parse_document("mutation CustomerCreateMissingInput($input: CustomerInput!) {\n  customerCreate(input: $input) { customer { id } }\n}");
    REQUIRE(doc.has_value());
    auto r = coerce_variables(admin_schema(), doc->operations[0], json::object{});
    REQUIRE_FALSE(r.has_value());
    CHECK(json::serialize(r.error().at(0).as_object().at("extensions")) ==
          R"({"code":"INVALID_VARIABLE","value":null,"problems":[{"path":[],"explanation":"Expected value to not be null"}]})");
    CHECK(r.error().at(0).as_object().at("message").as_string() == "Variable $input of type CustomerInput! was provided invalid value");

    auto set = parse_document("mutation($identifier: CustomerSetIdentifiers, $input: CustomerSetInput!) "
                              "{ customerSet(identifier: $identifier, input: $input) { userErrors { code } } }");
    REQUIRE(set.has_value());
    auto bad = coerce_variables(admin_schema(), set->operations[0],
                                json::parse(R"({"identifier":{"customId":{"namespace":"n","value":"v"}},
                                               "input":{"firstName":"A","metafields":[]}})").as_object());
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().at(0).as_object().at("message").as_string() ==
          "Variable $identifier of type CustomerSetIdentifiers was provided invalid value for customId.key (Expected value to not be null)");
    CHECK(bad.error().at(1).as_object().at("message").as_string() ==
          "Variable $input of type CustomerSetInput! was provided invalid value for metafields (Field is not defined on CustomerSetInput)");

    auto ident = parse_document("query($i: CustomerIdentifierInput!) { customerByIdentifier(identifier: $i) { id } }");
    auto empty = coerce_variables(admin_schema(), ident->operations[0], json::parse(R"({"i":{}})").as_object());
    REQUIRE_FALSE(empty.has_value());
    CHECK(empty.error().at(0).as_object().at("extensions").as_object().at("problems").at(0).at("explanation").as_string() ==
          "'CustomerIdentifierInput' requires exactly one argument, but 0 were provided.");
}

TEST_CASE("requested cost matches the recorded fixtures")
{
    CHECK(connection_multiplier(1) == 1);
    CHECK(connection_multiplier(2) == 1);
    CHECK(connection_multiplier(3) == 2);
    CHECK(connection_multiplier(5) == 3);
    CHECK(connection_multiplier(10) == 4);
    CHECK(connection_multiplier(250) == 11);
    CHECK(cost_of("query($q: String!) { customers(first: 1, query: $q) { nodes { id } } }", R"({"q":"email:a"})") == 3);
    CHECK(cost_of("{ customers(first: 3) { edges { cursor node { id amountSpent { amount } defaultEmailAddress { emailAddress } "
                  "defaultPhoneNumber { phoneNumber } defaultAddress { city } } } pageInfo { hasNextPage } } }") == 8);
    CHECK(cost_of("{ customer(id: \"gid://shopify/Customer/1\") { id amountSpent { amount } defaultEmailAddress { emailAddress } "
                  "defaultPhoneNumber { phoneNumber } defaultAddress { city } addressesV2(first: 250) { nodes { id } } } }") == 16);
    CHECK(cost_of("{ customers(first: 250) { nodes { id defaultEmailAddress { emailAddress } defaultPhoneNumber { phoneNumber } "
                  "emailMarketingConsent { marketingState } defaultAddress { id } addressesV2(first: 250) { nodes { id } } } } }") == 178);
    CHECK(cost_of("{ a: customersCount { count } b: customersCount(query: \"x\") { count } c: customersCount { precision } }") == 30);
    CHECK(cost_of("mutation($i: CustomerInput!) { customerCreate(input: $i) { customer { id email } userErrors { field } } }",
                  R"({"i":{}})") == 10);
    CHECK(cost_of("mutation($i: CustomerInput!) { customerCreate(input: $i) { customer { id defaultEmailAddress { emailAddress } "
                  "defaultPhoneNumber { phoneNumber } } userErrors { field } } }",
                  R"({"i":{}})") == 12);
    CHECK(cost_of("{ customers(first: 250) { edges { node { id addressesV2(first: 250) { nodes { id } } } } } }") == 156);
}

TEST_CASE("search syntax: implicit AND, OR, negation, comparators and warnings")
{
    crmsync::sandbox::shopify::customer c;
    c.id = 42;
    c.email = "bo.wang@example.com";
    c.first_name = "Bo";
    c.tags = {"vip", "wholesale"};
    c.updated_at = crmsync::from_unix_ms(1'777'000'000'000);
    auto now = crmsync::from_unix_ms(1'800'000'000'000);
    auto match = [&](const std::string& q) {
        return search_matches(parse_search(q, customer_search_fields()).root, c, now);
    };
    CHECK(match("email:\"bo.wang@example.com\""));
    CHECK(match("email:*"));
    CHECK_FALSE(match("phone:*"));
    CHECK(match("tag:vip -tag:b2b"));
    CHECK_FALSE(match("tag:vip NOT tag:wholesale"));
    CHECK(match("(tag:b2b OR tag:vip) first_name:Bo"));
    CHECK(match("id:>=42 id:<=42"));
    CHECK_FALSE(match("id:>42"));
    CHECK(match("updated_at:>='2026-04-24T03:06:40Z'"));
    CHECK_FALSE(match("updated_at:>'2026-04-24T03:06:40Z'"));
    CHECK(match("updated_at:'2026-04-24'"));
    CHECK(match("Bo*"));
    auto q = parse_search("email:grace@example.com", customer_count_search_fields());
    CHECK(json::serialize(q.warnings) == R"([{"field":"email","message":"Invalid search field for this query.","code":"invalid_field"}])");
    CHECK(json::serialize(q.parsed) == R"({"field":"email","match_all":"grace@example.com"})");
    CHECK(search_matches(q.root, c, now)); // ignored term
}
