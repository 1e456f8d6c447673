#include "sandbox/shopify/cost.hpp"

#include "sandbox/shopify/input_values.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <string>

// Calibration notes (fixtures in tests/data/shopify): customers(first:1){nodes{id}} = 3,
// customers(first:3){edges{node{.. defaultEmailAddress defaultPhoneNumber ..}}} = 8,
// customers(first:5){nodes{id email}} = 5, customers(first:10) = 6, addressesV2(first:250) = 13,
// customers(first:250){nodes{.. addressesV2(first:250) ..}} = 178; customer(id) with
// amountSpent/defaultAddress/defaultEmailAddress/defaultPhoneNumber = 3; customerCreate selecting
// customer{id email} = 10 and customer{defaultEmailAddress} = 11; customersCount = 10;
// webhookSubscription(id) with endpoint and apiVersion = 1, webhookSubscriptions(first:3) with nodes
// and edges = 6, webhookSubscriptionCreate with metafields = 11. Shopify's
// actual cost also depends on its caches (the same read costs 16 or 5), which is not modelled.

namespace crmsync::sandbox::shopify {
namespace json = boost::json;
namespace {

bool free_field(const std::string& type, const std::string& field)
{
    static const std::set<std::pair<std::string, std::string>> zero{
        {"Customer", "amountSpent"},          {"Customer", "defaultAddress"},
        {"Customer", "emailMarketingConsent"}, {"Customer", "smsMarketingConsent"},
        {"Customer", "addresses"},            {"CustomerPhoneNumber", "whatsAppMarketingConsent"},
        {"WebhookSubscription", "endpoint"},  {"WebhookSubscription", "apiVersion"},
    };
    return zero.count({type, field}) > 0;
}

int fixed_cost(const std::string& type, const std::string& field)
{
    if (type == "QueryRoot" && (field == "customersCount" || field == "webhookSubscriptionsCount"))
        return 10;
    return -1;
}

bool is_connection(const type_def& t) { return t.name.size() > 10 && t.name.ends_with("Connection"); }

class calculator {
public:
    calculator(const schema& s, const document& doc, const json::object& vars, bool actual)
        : s_(s), doc_(doc), vars_(vars), actual_(actual)
    {
    }

    int operation(const operation_definition& op, const json::value* data)
    {
        const json::object* obj = data && data->is_object() ? &data->as_object() : nullptr;
        if (op.kind != "mutation")
            return select_cost(s_.query_root(), op.selections, obj);
        int total = 0;
        for (const auto& [t, sel] : fields(s_.mutation_root(), op.selections)) {
            const field_def* f = t->field(sel->name);
            if (!f)
                continue;
            total += 10;
            const type_def* payload = s_.type(f->type.base_name());
            const json::value* pv = obj ? obj->if_contains(sel->response_key()) : nullptr;
            if (actual_ && (!pv || !pv->is_object()))
                continue;
            // The payload's own objects are covered by the mutation's 10 points.
            for (const auto& [pt, psel] : fields(*payload, sel->sub)) {
                const json::value* v = pv ? pv->as_object().if_contains(psel->response_key()) : nullptr;
                total += field(*pt, *psel, v) - own_cost(*pt, *psel);
            }
        }
        return total;
    }

private:
    // Fields selected on `t` once directives and fragments are resolved (fragments on other
    // object types are ignored: their cost is taken where that type is the parent).
    std::vector<std::pair<const type_def*, const selection*>> fields(const type_def& t, const shopify::selection_set& set) const
    {
        std::vector<std::pair<const type_def*, const selection*>> out;
        collect(t, set, out, 0);
        return out;
    }

    void collect(const type_def& t, const shopify::selection_set& set, std::vector<std::pair<const type_def*, const selection*>>& out,
                 int depth) const
    {
        if (depth > 20)
            return;
        for (const auto& sel : set.items) {
            if (skipped(sel.directives))
                continue;
            if (sel.k == selection::kind::field) {
                out.emplace_back(&t, &sel);
                continue;
            }
            const std::string* cond = nullptr;
            const shopify::selection_set* sub = &sel.sub;
            if (sel.k == selection::kind::fragment_spread) {
                const fragment_definition* f = doc_.fragment(sel.name);
                if (!f)
                    continue;
                cond = &f->type_condition;
                sub = &f->selections;
            } else if (!sel.type_condition.empty()) {
                cond = &sel.type_condition;
            }
            const type_def* ct = cond ? s_.type(*cond) : &t;
            if (!ct || ct->stub)
                continue;
            if (ct->kind == type_kind::object && ct->name != t.name && t.kind != type_kind::object) {
                // Abstract parent narrowed to one object type: cost on that type.
                collect(*ct, *sub, out, depth + 1);
            } else if (ct->name == t.name || s_.is_possible(*ct, t)) {
                collect(t, *sub, out, depth + 1);
            }
        }
    }

    bool skipped(const std::vector<directive>& dirs) const
    {
        for (const auto& d : dirs) {
            for (const auto& a : d.arguments) {
                if (a.name != "if")
                    continue;
                json::value v = resolve_literal(a.value, vars_);
                bool cond = v.is_bool() && v.as_bool();
                if ((d.name == "skip" && cond) || (d.name == "include" && !cond))
                    return true;
            }
        }
        return false;
    }

    int own_cost(const type_def& parent, const selection& sel) const
    {
        const field_def* f = parent.field(sel.name);
        if (!f)
            return 0;
        const type_def* rt = s_.type(f->type.base_name());
        if (!rt || rt->is_leaf())
            return 0;
        if (fixed_cost(parent.name, sel.name) >= 0)
            return fixed_cost(parent.name, sel.name);
        if (is_connection(*rt))
            return 2;
        return free_field(parent.name, sel.name) ? 0 : 1;
    }

    int select_cost(const type_def& t, const shopify::selection_set& set, const json::object* data)
    {
        int total = 0;
        for (const auto& [pt, sel] : fields(t, set)) {
            const json::value* v = data ? data->if_contains(sel->response_key()) : nullptr;
            total += field(*pt, *sel, v);
        }
        return total;
    }

    int field(const type_def& parent, const selection& sel, const json::value* v)
    {
        const field_def* f = parent.field(sel.name);
        if (!f)
            return 0;
        const type_def* rt = s_.type(f->type.base_name());
        if (!rt || rt->is_leaf() || rt->stub)
            return 0;
        int fixed = fixed_cost(parent.name, sel.name);
        if (fixed >= 0)
            return fixed;
        if (is_connection(*rt))
            return connection(*rt, *f, sel, v);
        int own = free_field(parent.name, sel.name) ? 0 : 1;
        if (!actual_)
            return own + selection_set_static(*rt, sel.sub);
        if (!v || v->is_null())
            return own;
        if (v->is_array()) {
            int worst = 0;
            for (const auto& item : v->as_array())
                worst = std::max(worst, select_cost(*rt, sel.sub, item.is_object() ? &item.as_object() : nullptr));
            return own + worst;
        }
        return own + select_cost(*rt, sel.sub, v->is_object() ? &v->as_object() : nullptr);
    }

    int selection_set_static(const type_def& t, const shopify::selection_set& set)
    {
        return select_cost(t, set, nullptr);
    }

    int connection(const type_def& conn, const field_def& f, const selection& sel, const json::value* v)
    {
        json::object args = resolve_arguments(f, sel, vars_);
        std::int64_t n = 0;
        for (const char* key : {"first", "last"})
            if (const json::value* a = args.if_contains(key); a && a->is_int64())
                n = std::max(n, a->as_int64());
        const json::object* data = v && v->is_object() ? &v->as_object() : nullptr;
        if (actual_ && !data)
            return 0;
        int per_item = 0;
        int item_selections = 0;
        std::size_t returned = 0;
        for (const auto& [pt, s] : fields(conn, sel.sub)) {
            const field_def* cf = pt->field(s->name);
            if (!cf)
                continue;
            const json::value* items = data ? data->if_contains(s->response_key()) : nullptr;
            if (s->name == "nodes") {
                const type_def* nt = s_.type(cf->type.base_name());
                per_item += item_cost(*nt, s->sub, items, returned, nullptr);
                ++item_selections;
            } else if (s->name == "edges") {
                const type_def* et = s_.type(cf->type.base_name());
                for (const auto& [ept, es] : fields(*et, s->sub)) {
                    if (es->name != "node")
                        continue;
                    const type_def* nt = s_.type(ept->field("node")->type.base_name());
                    per_item += item_cost(*nt, es->sub, items, returned, &es->response_key());
                    ++item_selections;
                }
            }
        }
        // Shopify charges an empty page as if one bare node per requested slot came back.
        if (actual_ && returned == 0)
            return 2 + connection_multiplier(n) * item_selections;
        if (actual_)
            return 2 + connection_multiplier(static_cast<std::int64_t>(returned)) * per_item;
        return 2 + connection_multiplier(n) * per_item;
    }

    // Cost of one item (the most expensive one returned, for the actual cost).
    int item_cost(const type_def& t, const shopify::selection_set& set, const json::value* items, std::size_t& returned,
                  const std::string* edge_node_key)
    {
        if (!actual_)
            return 1 + selection_set_static(t, set);
        if (!items || !items->is_array())
            return 0;
        returned = std::max(returned, items->as_array().size());
        int worst = 0;
        for (const auto& item : items->as_array()) {
            const json::value* node = &item;
            if (edge_node_key && item.is_object())
                node = item.as_object().if_contains(*edge_node_key);
            worst = std::max(worst, 1 + select_cost(t, set, node && node->is_object() ? &node->as_object() : nullptr));
        }
        return worst;
    }

    const schema& s_;
    const document& doc_;
    const json::object& vars_;
    bool actual_;
};

} // namespace

int connection_multiplier(std::int64_t n)
{
    if (n <= 0)
        return 0;
    return std::max(1, static_cast<int>(std::floor(2.0 * std::log(static_cast<double>(n)))));
}

int requested_cost(const schema& s, const document& doc, const operation_definition& op, const json::object& variables)
{
    return calculator(s, doc, variables, false).operation(op, nullptr);
}

int actual_cost(const schema& s, const document& doc, const operation_definition& op, const json::object& variables,
                const json::value& data)
{
    return calculator(s, doc, variables, true).operation(op, &data);
}

} // namespace crmsync::sandbox::shopify
