#include "connectors/shopify/writes.hpp"

#include "connectors/shopify/mapping.hpp"
#include "core/iso8601.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <deque>
#include <initializer_list>
#include <optional>
#include <utility>

namespace crmsync::shopify {

namespace json = boost::json;

namespace {

enum class step_kind { set, update, address, email_consent, sms_consent, remove, tag_deleted };

// What one op still has to do: stages run in order, one round each; the steps of a stage go out
// together (possibly in one request with other ops' steps).
struct op_state {
    const write_op* op = nullptr;
    write_input in;
    std::string gid;                            // the customer, once known
    std::optional<std::string> default_address; // its default address, once read (none: it has none)
    std::deque<std::vector<step_kind>> stages;
    std::vector<step_kind> follow_up;           // a stage added by an answer (tag instead of delete)
    std::optional<failure> error;
    std::optional<json::object> holder_lookup;  // CustomerIdentifierInput of a taken e-mail/phone
    std::string existing_id;
    std::int64_t updated_at_ms = 0;             // the customer's updatedAt after our last mutation
    std::vector<std::string> skipped;           // fields left out because Shopify refused them (see settle)

    bool done() const { return error.has_value() || stages.empty(); }
    void fail(failure f)
    {
        if (!error)
            error = std::move(f);
    }
};

// One mutation of a request, with its arguments as variables.
struct step {
    std::size_t op = 0;
    step_kind kind = step_kind::set;
    std::string_view mutation;
    std::vector<std::pair<std::string_view, std::string_view>> params; // argument, GraphQL type
    json::object args;
    std::string_view literals; // extra literal arguments
    std::string_view selection;
    double cost = 10;
};

// The value under the object keys `path`, or null when a step is missing or not an object.
const json::value* dig(const json::value* v, std::initializer_list<std::string_view> path)
{
    for (auto key : path)
        v = v && v->is_object() ? v->as_object().if_contains(key) : nullptr;
    return v;
}

std::optional<std::string> string_at(const json::value* v, std::initializer_list<std::string_view> path)
{
    v = dig(v, path);
    return v && v->is_string() ? std::optional<std::string>(std::string(v->as_string())) : std::nullopt;
}

// Names the record in messages: its Shopify id when known, never personal data.
std::string subject(const op_state& s)
{
    if (!s.gid.empty())
        return fmt::format("customer {}", legacy_id(s.gid));
    if (!s.op->peer_id.empty())
        return fmt::format("the new customer for CRM record {}", s.op->peer_id);
    return fmt::format("the new customer of op {}", s.op->op_id);
}

// "email: Email is invalid; Customer does not exist" (field paths without the `input` prefix).
std::string describe(const json::array& errors)
{
    std::string out;
    for (const auto& e : errors) {
        std::string field;
        if (auto f = dig(&e, {"field"}); f && f->is_array())
            for (const auto& part : f->as_array())
                if (part.is_string() && part.as_string() != "input")
                    field += (field.empty() ? "" : ".") + std::string(part.as_string());
        std::string message = string_at(&e, {"message"}).value_or("");
        out += (out.empty() ? "" : "; ") + (field.empty() ? message : field + ": " + message);
    }
    return out;
}

bool mentions(const json::array& errors, std::string_view text)
{
    for (const auto& e : errors)
        if (string_at(&e, {"message"}).value_or("").find(text) != std::string::npos)
            return true;
    return false;
}

// "email" or "phone" when customerSet refused a value another customer holds.
std::optional<std::string> taken_field(const json::array& errors)
{
    for (const auto& e : errors) {
        const bool taken = string_at(&e, {"code"}) == "TAKEN" ||
                           string_at(&e, {"message"}).value_or("").ends_with("has already been taken");
        const json::value* field = dig(&e, {"field"});
        if (!taken || !field || !field->is_array() || field->as_array().empty() || !field->as_array().back().is_string())
            continue;
        std::string name(field->as_array().back().as_string());
        if (name == "email" || name == "phone")
            return name;
    }
    return std::nullopt;
}

op_state plan_op(const write_op& op)
{
    op_state s;
    s.op = &op;
    const bool create = op.kind == write_kind::create;
    if (!create) {
        if (op.target_id.empty()) {
            s.error = permanent(fmt::format("Shopify write op {}: update or delete without a customer id", op.op_id));
            return s;
        }
        s.gid = customer_gid(op.target_id);
    }
    if (op.kind == write_kind::remove) {
        s.stages.push_back({step_kind::remove});
        return s;
    }
    auto in = build_write_input(op.fields, create);
    if (!in) {
        s.error = permanent(fmt::format("Shopify {} of {}: {}", create ? "create" : "update", subject(s), in.error().message));
        return s;
    }
    s.in = std::move(*in);
    std::vector<step_kind> first, then;
    if (create)
        first.push_back(step_kind::set);
    else if (!s.in.profile.empty())
        first.push_back(step_kind::update);
    // The address needs the customer id (create) or its default address id (update, read first).
    if (!s.in.address.empty())
        (create ? then : first).push_back(step_kind::address);
    // Consent needs the e-mail/phone the profile step may be setting.
    auto& consent = create || !s.in.profile.empty() ? then : first;
    if (s.in.email_state)
        consent.push_back(step_kind::email_consent);
    if (s.in.sms_state)
        consent.push_back(step_kind::sms_consent);
    for (auto* stage : {&first, &then})
        if (!stage->empty())
            s.stages.push_back(std::move(*stage));
    return s;
}

step make_step(const op_state& s, std::size_t index, step_kind kind)
{
    step st;
    st.op = index;
    st.kind = kind;
    switch (kind) {
    case step_kind::set:
        st.mutation = "customerSet";
        st.params = {{"identifier", "CustomerSetIdentifiers"}, {"input", "CustomerSetInput!"}};
        st.args["identifier"] = set_identifier(s.op->peer_id, s.in.profile);
        st.args["input"] = s.in.profile;
        st.selection = "customer { id updatedAt defaultAddress { id } } userErrors { field message code }";
        st.cost = 11;
        break;
    case step_kind::update: {
        st.mutation = "customerUpdate";
        st.params = {{"input", "CustomerInput!"}};
        json::object input = s.in.profile;
        input["id"] = s.gid;
        st.args["input"] = std::move(input);
        st.selection = "customer { id updatedAt } userErrors { field message }";
        break;
    }
    case step_kind::address:
        st.args["customerId"] = s.gid;
        st.args["address"] = s.in.address;
        if (s.default_address) {
            st.mutation = "customerAddressUpdate";
            st.params = {{"customerId", "ID!"}, {"addressId", "ID!"}, {"address", "MailingAddressInput!"}};
            st.args["addressId"] = *s.default_address;
        } else {
            st.mutation = "customerAddressCreate";
            st.params = {{"customerId", "ID!"}, {"address", "MailingAddressInput!"}};
        }
        st.literals = ", setAsDefault: true";
        st.selection = "address { id } userErrors { field message }";
        break;
    case step_kind::email_consent:
    case step_kind::sms_consent: {
        const bool sms = kind == step_kind::sms_consent;
        st.mutation = sms ? "customerSmsMarketingConsentUpdate" : "customerEmailMarketingConsentUpdate";
        st.params = {{"input", sms ? "CustomerSmsMarketingConsentUpdateInput!" : "CustomerEmailMarketingConsentUpdateInput!"}};
        st.args["input"] = consent_update_input(s.gid, sms ? *s.in.sms_state : *s.in.email_state, sms);
        st.selection = "customer { id updatedAt } userErrors { field message code }";
        break;
    }
    case step_kind::remove:
        st.mutation = "customerDelete";
        st.params = {{"input", "CustomerDeleteInput!"}};
        st.args["input"] = json::object{{"id", s.gid}};
        st.selection = "deletedCustomerId userErrors { field message }";
        break;
    case step_kind::tag_deleted:
        st.mutation = "tagsAdd";
        st.params = {{"id", "ID!"}, {"tags", "[String!]!"}};
        st.args["id"] = s.gid;
        st.args["tags"] = json::array{json::value(deleted_in_crm_tag)};
        st.selection = "node { id } userErrors { field message }";
        break;
    }
    return st;
}

std::string alias(std::size_t i) { return "m" + std::to_string(i); }

std::string mutation_document(std::span<const step> steps, json::object& vars)
{
    std::string decl, body;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const step& st = steps[i];
        std::string call;
        for (const auto& [arg, type] : st.params) {
            std::string var = fmt::format("{}_{}", alias(i), arg);
            decl += fmt::format("{}${}: {}", decl.empty() ? "" : ", ", var, type);
            call += fmt::format("{}{}: ${}", call.empty() ? "" : ", ", arg, var);
            vars[var] = st.args.at(arg);
        }
        body += fmt::format("  {}: {}({}{}) {{ {} }}\n", alias(i), st.mutation, call, st.literals, st.selection);
    }
    return fmt::format("mutation crmsync_write({}) {{\n{}}}", decl, body);
}

// Applies one alias's answer to its op.
void settle(op_state& s, const step& st, const json::value* payload)
{
    if (!payload || !payload->is_object()) {
        s.fail(permanent(fmt::format("Shopify {} for {}: no answer in the response", st.mutation, subject(s))));
        return;
    }
    const auto& p = payload->as_object();
    static const json::array none;
    auto ue = p.if_contains("userErrors");
    const json::array& errors = ue && ue->is_array() ? ue->as_array() : none;
    if (st.kind == step_kind::remove && !errors.empty()) {
        if (mentions(errors, "associated orders")) {
            s.follow_up = {step_kind::tag_deleted};
            return;
        }
        // Already deleted (a retry after a lost response, or deleted in Shopify meanwhile).
        if (mentions(errors, "can't be found") || mentions(errors, "can\u2019t be found"))
            return;
    }
    // A customer without a default address has no addresses, so an identical one is ours: this
    // create already went through (a document re-sent one mutation at a time, see send()).
    if (st.kind == step_kind::address && !s.default_address && mentions(errors, "Address already exists"))
        return;
    if (!errors.empty()) {
        std::string what = fmt::format("Shopify {} for {}: {}", st.mutation, subject(s), describe(errors));
        // A phone already used by another customer does not make a new person someone else (e-mail and the
        // CRM id do): create them without it, and say so; the engine keeps the phone as a conflict.
        if (st.kind == step_kind::set && s.op->kind == write_kind::create && taken_field(errors) == "phone" &&
            s.in.profile.contains("email") && s.in.profile.erase("phone") > 0) {
            s.skipped.emplace_back("phone");
            s.follow_up = {step_kind::set};
            return;
        }
        if (st.kind == step_kind::set || st.kind == step_kind::update) {
            if (auto field = taken_field(errors)) {
                if (auto value = s.in.profile.if_contains(*field); value && value->is_string()) {
                    json::object ident;
                    ident[*field == "email" ? "emailAddress" : "phoneNumber"] = *value;
                    s.holder_lookup = std::move(ident);
                }
                what += fmt::format(" (the {} belongs to another Shopify customer)", *field);
            }
        }
        s.fail(permanent(std::move(what)));
        return;
    }
    if (auto stamp = string_at(payload, {"customer", "updatedAt"}))
        s.updated_at_ms = std::max(s.updated_at_ms, parse_iso8601_ms(*stamp).value_or(0));
    if (st.kind == step_kind::set) {
        auto id = string_at(payload, {"customer", "id"});
        if (!id) {
            s.fail(permanent(fmt::format("Shopify customerSet for {}: no customer in the answer", subject(s))));
            return;
        }
        s.gid = std::move(*id);
        s.default_address = string_at(payload, {"customer", "defaultAddress", "id"});
    }
}

priority request_priority(const std::vector<op_state>& states, std::span<const step> steps)
{
    for (const auto& st : steps)
        if (states[st.op].op->prio == priority::live)
            return priority::live;
    return priority::backfill;
}

boost::asio::awaitable<void> send(client& c, std::vector<op_state>& states, std::span<const step> steps)
{
    json::object vars;
    const std::string doc = mutation_document(steps, vars);
    double cost = 0;
    for (const auto& st : steps)
        cost += st.cost;
    const priority prio = request_priority(states, steps);
    const std::string what = steps.size() == 1
                                 ? fmt::format("{} for {}", steps.front().mutation, subject(states[steps.front().op]))
                                 : fmt::format("customer writes ({} mutations)", steps.size());
    auto r = co_await c.execute(doc, std::move(vars), cost, prio, what);
    if (!r) {
        // A GraphQL error answers the whole document (the client keeps no partial data): find the
        // op it belongs to. Mutations that did run are repeated, which every step tolerates.
        if (r.error().kind == failure_kind::permanent && steps.size() > 1) {
            for (std::size_t i = 0; i < steps.size(); ++i)
                co_await send(c, states, steps.subspan(i, 1));
            co_return;
        }
        for (const auto& st : steps)
            states[st.op].fail(r.error());
        co_return;
    }
    for (std::size_t i = 0; i < steps.size(); ++i)
        settle(states[steps[i].op], steps[i], r->data.if_contains(alias(i)));
}

// Update ops that change the default address need its id: one read for all of them.
boost::asio::awaitable<void> read_default_addresses(client& c, std::vector<op_state>& states)
{
    static const std::string doc = "query crmsync_default_addresses($ids: [ID!]!) {\n"
                                   "  nodes(ids: $ids) { ... on Customer { id defaultAddress { id } } }\n"
                                   "}";
    std::vector<std::size_t> wanted;
    for (std::size_t i = 0; i < states.size(); ++i)
        if (!states[i].done() && states[i].op->kind == write_kind::update && !states[i].in.address.empty())
            wanted.push_back(i);
    for (std::size_t at = 0; at < wanted.size(); at += 250) {
        std::span<const std::size_t> chunk(wanted.data() + at, std::min<std::size_t>(250, wanted.size() - at));
        json::array ids;
        priority prio = priority::backfill;
        for (auto i : chunk) {
            ids.emplace_back(states[i].gid);
            if (states[i].op->prio == priority::live)
                prio = priority::live;
        }
        json::object vars;
        vars["ids"] = std::move(ids);
        const double cost = 1.0 + 2.0 * static_cast<double>(chunk.size());
        auto r = co_await c.execute(doc, std::move(vars), cost, prio, "default addresses of updated customers");
        const json::value* nodes = r ? r->data.if_contains("nodes") : nullptr;
        for (std::size_t k = 0; k < chunk.size(); ++k) {
            op_state& s = states[chunk[k]];
            if (!r) {
                s.fail(r.error());
                continue;
            }
            const json::value* node = nodes && nodes->is_array() && k < nodes->as_array().size() ? &nodes->as_array()[k]
                                                                                                 : nullptr;
            if (!node || !node->is_object()) {
                s.fail(permanent(fmt::format("Shopify update of {}: Customer does not exist", subject(s))));
                continue;
            }
            s.default_address = string_at(node, {"defaultAddress", "id"});
        }
    }
}

// Creates refused for a taken e-mail/phone: find who holds it, so the engine can link to them.
boost::asio::awaitable<void> find_holders(client& c, std::vector<op_state>& states)
{
    std::vector<std::size_t> wanted;
    for (std::size_t i = 0; i < states.size(); ++i)
        if (states[i].holder_lookup)
            wanted.push_back(i);
    for (std::size_t at = 0; at < wanted.size(); at += 50) {
        std::span<const std::size_t> chunk(wanted.data() + at, std::min<std::size_t>(50, wanted.size() - at));
        std::string decl, body;
        json::object vars;
        for (std::size_t k = 0; k < chunk.size(); ++k) {
            decl += fmt::format("{}$l{}: CustomerIdentifierInput!", k ? ", " : "", k);
            body += fmt::format("  l{0}: customerByIdentifier(identifier: $l{0}) {{ id }}\n", k);
            vars[fmt::format("l{}", k)] = *states[chunk[k]].holder_lookup;
        }
        const std::string doc = fmt::format("query crmsync_holders({}) {{\n{}}}", decl, body);
        const double cost = static_cast<double>(chunk.size());
        auto r = co_await c.execute(doc, std::move(vars), cost, priority::live, "holders of taken e-mails/phones");
        for (std::size_t k = 0; k < chunk.size(); ++k) {
            op_state& s = states[chunk[k]];
            if (!r) {
                // Retry the create later rather than dead-lettering it without the existing id.
                if (r.error().kind != failure_kind::permanent)
                    s.error = r.error();
                continue;
            }
            if (auto id = string_at(r->data.if_contains(fmt::format("l{}", k)), {"id"}))
                s.existing_id = legacy_id(*id);
        }
    }
}

} // namespace

boost::asio::awaitable<std::vector<write_result>> apply_writes(client& c, std::span<const write_op> ops)
{
    std::vector<op_state> states;
    states.reserve(ops.size());
    for (const auto& op : ops)
        states.push_back(plan_op(op));
    // A retried create may have been applied already, and the customer edited since: look it up by its
    // custom id first and report it instead of overwriting it.
    for (auto& s : states)
        if (s.op->kind == write_kind::create && s.op->retry && !s.op->peer_id.empty() && !s.done())
            s.holder_lookup = json::object{
                {"customId", json::object{{"namespace", custom_id_namespace}, {"key", custom_id_key}, {"value", s.op->peer_id}}}};
    co_await find_holders(c, states);
    for (auto& s : states) {
        if (s.holder_lookup && !s.existing_id.empty())
            s.fail(permanent(fmt::format("Shopify create for CRM record {}: already created by an earlier attempt",
                                         s.op->peer_id)));
        s.holder_lookup.reset();
    }
    co_await read_default_addresses(c, states);
    for (;;) {
        std::vector<step> steps;
        std::vector<bool> active(states.size(), false);
        for (std::size_t i = 0; i < states.size(); ++i) {
            if (states[i].done())
                continue;
            active[i] = true;
            for (auto kind : states[i].stages.front())
                steps.push_back(make_step(states[i], i, kind));
        }
        if (steps.empty())
            break;
        for (std::size_t at = 0; at < steps.size(); at += mutations_per_request) {
            const std::size_t n = std::min(mutations_per_request, steps.size() - at);
            co_await send(c, states, std::span<const step>(steps).subspan(at, n));
        }
        for (std::size_t i = 0; i < states.size(); ++i) {
            op_state& s = states[i];
            if (!active[i] || s.error)
                continue;
            s.stages.pop_front();
            if (!s.follow_up.empty())
                s.stages.push_front(std::exchange(s.follow_up, {}));
        }
    }
    co_await find_holders(c, states);
    std::vector<write_result> out;
    out.reserve(states.size());
    for (auto& s : states)
        out.push_back(write_result{s.op->op_id, std::move(s.error), s.gid.empty() ? std::string() : legacy_id(s.gid),
                                   std::move(s.existing_id), s.updated_at_ms, std::move(s.skipped)});
    co_return out;
}

boost::asio::awaitable<outcome<bool>> has_custom_id_definition(client& c)
{
    static const std::string lookup_doc =
        "query crmsync_custom_id($namespace: String!, $key: String!) {\n"
        "  metafieldDefinitions(ownerType: CUSTOMER, namespace: $namespace, key: $key, first: 1) {\n"
        "    nodes { id type { name } capabilities { uniqueValues { enabled } } }\n"
        "  }\n"
        "}";
    json::object vars;
    vars["namespace"] = custom_id_namespace;
    vars["key"] = custom_id_key;
    auto found = co_await c.execute(lookup_doc, std::move(vars), 6, priority::live, "custom id definition lookup");
    if (!found)
        co_return found.error();
    const json::value* nodes = dig(found->data.if_contains("metafieldDefinitions"), {"nodes"});
    if (!nodes || !nodes->is_array() || nodes->as_array().empty())
        co_return false;
    const json::value* d = &nodes->as_array().front();
    const json::value* unique = dig(d, {"capabilities", "uniqueValues", "enabled"});
    if (string_at(d, {"type", "name"}) == "id" && unique && unique->is_bool() && unique->as_bool())
        co_return true;
    co_return permanent(fmt::format("Shopify customer metafield definition {}.{} exists but is not of type 'id' with "
                                    "unique values, which customerSet needs to find customers by CRM id: change or "
                                    "delete it in the Shopify admin (Settings > Custom data > Customers)",
                                    custom_id_namespace, custom_id_key));
}

boost::asio::awaitable<outcome<void>> ensure_custom_id_definition(client& c)
{
    static const std::string create_doc =
        "mutation crmsync_custom_id_create($definition: MetafieldDefinitionInput!) {\n"
        "  metafieldDefinitionCreate(definition: $definition) { createdDefinition { id } userErrors { field message code } }\n"
        "}";
    const std::string name = fmt::format("{}.{}", custom_id_namespace, custom_id_key);
    auto found = co_await has_custom_id_definition(c);
    if (!found)
        co_return found.error();
    if (*found)
        co_return outcome<void>{};
    json::object unique_values;
    unique_values["enabled"] = true;
    json::object capabilities;
    capabilities["uniqueValues"] = std::move(unique_values);
    json::object definition;
    definition["ownerType"] = "CUSTOMER";
    definition["namespace"] = custom_id_namespace;
    definition["key"] = custom_id_key;
    definition["name"] = "crmsync CRM id";
    definition["description"] = "The CRM record this customer is synced with (written by crmsync).";
    definition["type"] = "id";
    definition["capabilities"] = std::move(capabilities);
    json::object create_vars;
    create_vars["definition"] = std::move(definition);
    auto made = co_await c.execute(create_doc, std::move(create_vars), 10, priority::live, "custom id definition create");
    if (!made)
        co_return made.error();
    const json::value* ue = dig(made->data.if_contains("metafieldDefinitionCreate"), {"userErrors"});
    if (ue && ue->is_array() && !ue->as_array().empty()) {
        // TAKEN: created meanwhile (another instance); the next prepare() verifies its type.
        for (const auto& e : ue->as_array())
            if (string_at(&e, {"code"}) == "TAKEN")
                co_return outcome<void>{};
        co_return permanent(fmt::format("Shopify metafieldDefinitionCreate for {}: {}", name, describe(ue->as_array())));
    }
    co_return outcome<void>{};
}

} // namespace crmsync::shopify
