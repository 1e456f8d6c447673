#include "sandbox/shopify/executor.hpp"

#include "sandbox/shopify/formats.hpp"
#include "sandbox/shopify/input_values.hpp"
#include "sandbox/shopify/metafield_definitions.hpp"
#include "sandbox/shopify/paging.hpp"
#include "sandbox/shopify/search.hpp"
#include "sandbox/shopify/validator.hpp"

#include <boost/json/serialize.hpp>

#include <functional>

namespace crmsync::sandbox::shopify {
namespace json = boost::json;
namespace {

// Thrown by a resolver to null its field and record an error; caught in select().
struct field_failure {
    std::string message;
    std::string code;
};

// What resolvers return: anything JSON-like, converted implicitly.
struct out_value {
    json::value v;
    out_value(json::value x) : v(std::move(x)) {}
    out_value(const std::string& s) : v(json::string(s)) {}
    out_value(const char* s) : v(s) {}
    out_value(bool b) : v(b) {}
    out_value(std::int64_t n) : v(n) {}
    out_value(std::nullptr_t) : v(nullptr) {}
    out_value(json::array a) : v(std::move(a)) {}
    out_value(json::object o) : v(std::move(o)) {}
};

json::value opt(const std::optional<std::string>& s) { return s ? json::value(*s) : json::value(nullptr); }
json::value opt_time(const std::optional<wall_time>& t) { return t ? json::value(format_time(*t)) : json::value(nullptr); }

class executor {
public:
    executor(const execution_request& req, customer_store& store, wall_time now, execution_result& out)
        : req_(req), s_(req.s), store_(store), now_(now), out_(out)
    {
    }

    void run()
    {
        bool mutation = req_.op.kind == "mutation";
        const type_def& root = mutation ? s_.mutation_root() : s_.query_root();
        json::object data = select(root, root.name, req_.op.selections, [&](const field_def& f, const selection& sel) {
            return mutation ? mutation_field(f, sel) : query_field(f, sel);
        });
        // A failed non-null root field nulls the whole `data`, as GraphQL requires.
        out_.data = root_null_ ? json::value(nullptr) : json::value(std::move(data));
    }

private:
    using resolver = std::function<out_value(const field_def&, const selection&)>;

    // Selected fields of an object whose concrete type is `concrete`, resolved through `fn`.
    json::object select(const type_def& t, const std::string& concrete, const selection_set& set, const resolver& fn)
    {
        json::object out;
        select_into(out, t, concrete, set, fn);
        return out;
    }

    void select_into(json::object& out, const type_def& t, const std::string& concrete, const selection_set& set,
                     const resolver& fn)
    {
        for (const auto& sel : set.items) {
            if (skipped(sel.directives))
                continue;
            if (sel.k != selection::kind::field) {
                const std::string* cond = nullptr;
                const selection_set* sub = &sel.sub;
                if (sel.k == selection::kind::fragment_spread) {
                    const fragment_definition* fd = req_.doc.fragment(sel.name);
                    if (!fd)
                        continue;
                    cond = &fd->type_condition;
                    sub = &fd->selections;
                } else if (!sel.type_condition.empty()) {
                    cond = &sel.type_condition;
                }
                if (cond && !applies(*cond, concrete))
                    continue;
                select_into(out, t, concrete, *sub, fn);
                continue;
            }
            const std::string& key = sel.response_key();
            if (sel.name == "__typename") {
                out[key] = concrete;
                continue;
            }
            const type_def* ct = s_.type(concrete);
            const field_def* f = ct ? ct->field(sel.name) : nullptr;
            if (!f)
                f = t.field(sel.name);
            if (!f)
                continue;
            path_.emplace_back(key);
            json::value v;
            try {
                v = fn(*f, sel).v;
            } catch (const field_failure& e) {
                if (f->type.non_null && path_.size() == 1)
                    root_null_ = true;
                json::object err;
                err["message"] = e.message;
                err["locations"] = locations_of(sel.loc);
                err["extensions"] = json::object{{"code", e.code}};
                err["path"] = json::array(path_.begin(), path_.end());
                out_.errors.push_back(std::move(err));
                v = nullptr;
            }
            path_.pop_back();
            if (json::value* existing = out.if_contains(key); existing && existing->is_object() && v.is_object()) {
                for (auto& kv : v.as_object())
                    existing->as_object()[kv.key()] = kv.value();
            } else {
                out[key] = std::move(v);
            }
        }
    }

    bool applies(const std::string& cond, const std::string& concrete) const
    {
        if (cond == concrete)
            return true;
        const type_def* c = s_.type(cond);
        const type_def* o = s_.type(concrete);
        return c && o && !c->stub && s_.is_possible(*c, *o);
    }

    bool skipped(const std::vector<directive>& dirs) const
    {
        for (const auto& d : dirs)
            for (const auto& a : d.arguments)
                if (a.name == "if") {
                    json::value v = resolve_literal(a.value, req_.variables);
                    bool cond = v.is_bool() && v.as_bool();
                    if ((d.name == "skip" && cond) || (d.name == "include" && !cond))
                        return true;
                }
        return false;
    }

    json::object args(const field_def& f, const selection& sel) const { return resolve_arguments(f, sel, req_.variables); }

    const type_def& type_of(const field_def& f) const { return *s_.type(f.type.base_name()); }

    // --- query root -------------------------------------------------------------------------
    json::value query_field(const field_def& f, const selection& sel)
    {
        json::object a = args(f, sel);
        if (f.name == "customer") {
            auto id = parse_gid(a.at("id").as_string(), "Customer");
            return customer_value(id ? store_.find(*id) : nullptr, sel);
        }
        if (f.name == "customerByIdentifier")
            return customer_value(by_identifier(a.at("identifier").as_object()), sel);
        if (f.name == "customers")
            return customers_connection(type_of(f), sel, a);
        if (f.name == "customersCount")
            return customers_count(sel, a);
        if (f.name == "node") {
            auto id = parse_gid(a.at("id").as_string(), "Customer");
            return customer_value(id ? store_.find(*id) : nullptr, sel);
        }
        if (f.name == "nodes") {
            json::array out;
            for (const auto& id : a.at("ids").as_array()) {
                auto n = parse_gid(id.as_string(), "Customer");
                out.push_back(customer_value(n ? store_.find(*n) : nullptr, sel));
            }
            return out;
        }
        if (f.name == "metafieldDefinitions")
            return definitions_connection(type_of(f), sel, a);
        if (f.name.starts_with("webhookSubscription") || f.name == "bulkOperation" || f.name == "currentBulkOperation")
            return shop_field(f, sel, a);
        if (f.name == "currentAppInstallation") {
            json::array scopes;
            std::string_view rest = services(f).scope;
            while (!rest.empty()) {
                auto comma = rest.find(',');
                auto handle = rest.substr(0, comma);
                if (!handle.empty())
                    scopes.push_back(json::object{{"handle", handle}, {"description", handle}});
                rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
            }
            json::object app{{"id", "gid://shopify/AppInstallation/1"}, {"accessScopes", std::move(scopes)}};
            return project(type_of(f), app, sel);
        }
        if (f.name == "metafieldDefinition") {
            const metafield_definition* d = find_definition(store_, a);
            return d ? definition_value(*d, sel) : json::value(nullptr);
        }
        throw field_failure{"Field '" + f.name + "' is not emulated", "FIELD_NOT_EMULATED"};
    }

    shop_services& services(const field_def& f) const
    {
        if (!req_.services)
            throw field_failure{"Field '" + f.name + "' is not emulated", "FIELD_NOT_EMULATED"};
        return *req_.services;
    }

    // Webhook subscriptions and bulk operations.
    json::value shop_field(const field_def& f, const selection& sel, const json::object& a)
    {
        shop_services& svc = services(f);
        if (f.name == "webhookSubscription") {
            auto id = parse_gid(a.at("id").as_string(), "WebhookSubscription");
            const webhook_subscription* ws = id ? svc.webhooks.find(*id) : nullptr;
            return ws ? project(type_of(f), webhook_registry::to_json(*ws, svc.rules), sel) : json::value(nullptr);
        }
        if (f.name == "bulkOperation" || f.name == "currentBulkOperation") {
            std::optional<json::value> op;
            if (f.name == "bulkOperation") {
                auto id = parse_gid(a.at("id").as_string(), "BulkOperation");
                op = id ? svc.bulk.find(*id, now_, svc.bulk_config, svc.base_url) : std::nullopt;
            } else {
                op = svc.bulk.current(std::string(a.at("type").as_string()), now_, svc.bulk_config, svc.base_url);
            }
            return op ? project(type_of(f), *op, sel) : json::value(nullptr);
        }
        std::vector<const webhook_subscription*> found = svc.webhooks.matching(a);
        if (f.name == "webhookSubscriptionsCount") {
            auto count = static_cast<std::int64_t>(found.size());
            std::string precision = "EXACT";
            if (const json::value* limit = a.if_contains("limit"); limit && limit->is_int64() && count > limit->as_int64()) {
                count = limit->as_int64();
                precision = "AT_LEAST";
            }
            return project(type_of(f), json::object{{"count", count}, {"precision", precision}}, sel);
        }
        bool by_id = a.contains("sortKey") && a.at("sortKey") == "ID";
        std::vector<page_entry> entries;
        for (std::size_t i = 0; i < found.size(); ++i) {
            page_entry e = id_entry(found[i]->id, i);
            if (!by_id) {
                e.numeric = true;
                e.number = to_unix_ms(found[i]->created_at);
            }
            entries.push_back(std::move(e));
        }
        const json::value* reverse = a.if_contains("reverse");
        auto page = paginate(std::move(entries), page_request_from(a), reverse && reverse->is_bool() && reverse->as_bool());
        if (!page)
            throw field_failure{page.error(), "BAD_REQUEST"};
        const type_def& ws_type = *s_.type("WebhookSubscription");
        return connection_value(type_of(f), sel, *page, [&](std::size_t i, const selection& s) {
            return project(ws_type, webhook_registry::to_json(*found[i], svc.rules), s);
        });
    }

    const customer* by_identifier(const json::object& ident)
    {
        if (const json::value* id = ident.if_contains("id")) {
            auto n = parse_gid(id->as_string(), "Customer");
            return n ? store_.find(*n) : nullptr;
        }
        if (const json::value* e = ident.if_contains("emailAddress"))
            return store_.find_by_email(std::string(e->as_string()));
        if (const json::value* p = ident.if_contains("phoneNumber")) {
            std::string phone(p->as_string());
            return store_.find_by_phone(normalise_phone(phone).value_or(phone));
        }
        if (const json::value* c = ident.if_contains("customId")) {
            const json::object& o = c->as_object();
            std::string ns = o.contains("namespace") && o.at("namespace").is_string() ? std::string(o.at("namespace").as_string()) : "custom";
            std::string key(o.at("key").as_string());
            if (!store_.has_custom_id(ns, key))
                throw field_failure{"Metafield definition of type 'id' is required when using custom ids.", "NOT_FOUND"};
            return store_.find_by_metafield(ns, key, std::string(o.at("value").as_string()));
        }
        return nullptr;
    }

    json::value customers_count(const selection& sel, const json::object& a)
    {
        std::vector<indexed_customer> all = store_.indexed(now_);
        std::int64_t count = 0;
        search_query q;
        bool has_query = a.contains("query") && a.at("query").is_string();
        if (has_query) {
            std::string text(a.at("query").as_string());
            q = parse_search(text, customer_count_search_fields());
            record_warnings(q, text);
        }
        for (const auto& ic : all)
            if (!has_query || search_matches(q.root, *ic.indexed, now_))
                ++count;
        std::string precision = "EXACT";
        if (const json::value* limit = a.if_contains("limit"); limit && limit->is_int64() && count > limit->as_int64()) {
            count = limit->as_int64();
            precision = "AT_LEAST";
        }
        const type_def& t = *s_.type("Count");
        return select(t, t.name, sel.sub, [&](const field_def& f, const selection&) -> out_value {
            return f.name == "count" ? json::value(count) : json::value(precision);
        });
    }

    void record_warnings(const search_query& q, const std::string& text)
    {
        if (q.warnings.empty())
            return;
        out_.search.push_back(json::object{{"path", json::array(path_.begin(), path_.end())},
                                           {"query", text},
                                           {"parsed", q.parsed},
                                           {"warnings", q.warnings}});
    }

    json::value customers_connection(const type_def& conn, const selection& sel, const json::object& a)
    {
        page_request pr = page_request_from(a);
        std::string sort_key = a.contains("sortKey") ? std::string(a.at("sortKey").as_string()) : "ID";
        std::vector<indexed_customer> all = store_.indexed(now_);
        if (a.contains("query") && a.at("query").is_string()) {
            std::string text(a.at("query").as_string());
            search_query q = parse_search(text, customer_search_fields());
            record_warnings(q, text);
            std::erase_if(all, [&](const indexed_customer& ic) { return !search_matches(q.root, *ic.indexed, now_); });
        }
        std::vector<page_entry> entries;
        entries.reserve(all.size());
        for (std::size_t i = 0; i < all.size(); ++i)
            entries.push_back(sort_entry(*all[i].indexed, sort_key, i));
        auto result = paginate(std::move(entries), pr, a.contains("reverse") && a.at("reverse").as_bool());
        if (!result)
            throw field_failure{result.error(), "BAD_REQUEST"};
        return connection_value(conn, sel, *result, [&](std::size_t i, const selection& node_sel) {
            return customer_value(all[i].live, node_sel);
        });
    }

    json::value definitions_connection(const type_def& conn, const selection& sel, const json::object& a)
    {
        std::vector<const metafield_definition*> found = find_definitions(store_, a);
        bool by_name = a.contains("sortKey") && a.at("sortKey") == "NAME";
        std::vector<page_entry> entries;
        for (std::size_t i = 0; i < found.size(); ++i) {
            page_entry e = id_entry(found[i]->id, i);
            if (by_name)
                e.text = to_lower(found[i]->name);
            entries.push_back(std::move(e));
        }
        auto result = paginate(std::move(entries), page_request_from(a), a.contains("reverse") && a.at("reverse").as_bool());
        if (!result)
            throw field_failure{result.error(), "BAD_REQUEST"};
        return connection_value(conn, sel, *result,
                                [&](std::size_t i, const selection& s) { return definition_value(*found[i], s); });
    }

    json::value definition_value(const metafield_definition& d, const selection& sel)
    {
        return project(*s_.type("MetafieldDefinition"), definition_json(d, store_), sel);
    }

    // Selection over data held as a complete JSON object (every emulated field present).
    json::value project(const type_def& t, const json::value& full, const selection& sel)
    {
        if (full.is_null())
            return nullptr;
        // Unions and interfaces: the data names its concrete type.
        const json::value* tn = full.as_object().if_contains("__typename");
        std::string concrete = tn && tn->is_string() ? std::string(tn->as_string()) : t.name;
        return select(t, concrete, sel.sub, [&](const field_def& f, const selection& s) -> out_value {
            const json::value* v = full.as_object().if_contains(f.name);
            if (!v || v->is_null())
                return nullptr;
            const type_def& ft = type_of(f);
            if (ft.is_leaf())
                return *v;
            if (v->is_array()) {
                json::array out;
                for (const auto& item : v->as_array())
                    out.push_back(project(ft, item, s));
                return out;
            }
            return project(ft, *v, s);
        });
    }

    page_request page_request_from(const json::object& a) const
    {
        page_request pr;
        auto num = [&](const char* k) -> std::optional<std::int64_t> {
            const json::value* v = a.if_contains(k);
            return v && v->is_int64() ? std::optional<std::int64_t>(v->as_int64()) : std::nullopt;
        };
        auto str = [&](const char* k) -> std::optional<std::string> {
            const json::value* v = a.if_contains(k);
            return v && v->is_string() ? std::optional<std::string>(std::string(v->as_string())) : std::nullopt;
        };
        pr.first = num("first");
        pr.last = num("last");
        pr.unbounded = req_.bulk && !pr.first && !pr.last;
        pr.after = str("after");
        pr.before = str("before");
        return pr;
    }

    using node_fn = std::function<json::value(std::size_t, const selection&)>;

    json::value connection_value(const type_def& conn, const selection& sel, const page_result& page, const node_fn& node)
    {
        return select(conn, conn.name, sel.sub, [&](const field_def& f, const selection& s) -> out_value {
            if (f.name == "nodes") {
                json::array out;
                for (const auto& e : page.items)
                    out.push_back(node(e.index, s));
                return out;
            }
            if (f.name == "edges") {
                const type_def& edge = type_of(f);
                json::array out;
                for (const auto& e : page.items)
                    out.push_back(select(edge, edge.name, s.sub, [&](const field_def& ef, const selection& es) -> out_value {
                        return ef.name == "cursor" ? json::value(e.cursor) : node(e.index, es);
                    }));
                return out;
            }
            const type_def& pi = type_of(f);
            return select(pi, pi.name, s.sub, [&](const field_def& pf, const selection&) -> out_value {
                if (pf.name == "hasNextPage")
                    return page.has_next;
                if (pf.name == "hasPreviousPage")
                    return page.has_previous;
                if (page.items.empty())
                    return nullptr;
                return pf.name == "startCursor" ? page.items.front().cursor : page.items.back().cursor;
            });
        });
    }

    // --- Customer and nested objects ------------------------------------------------------
public:
    json::value customer_value(const customer* c, const selection& sel)
    {
        if (!c)
            return nullptr;
        const type_def& t = *s_.type("Customer");
        return select(t, "Customer", sel.sub, [&](const field_def& f, const selection& s) { return customer_field(*c, f, s); });
    }

private:
    out_value customer_field(const customer& c, const field_def& f, const selection& sel)
    {
        const std::string& n = f.name;
        if (n == "id") return customer_gid(c.id);
        if (n == "legacyResourceId") return std::to_string(c.id);
        if (n == "firstName") return opt(c.first_name);
        if (n == "lastName") return opt(c.last_name);
        if (n == "displayName") return c.display_name();
        if (n == "email") return opt(c.email);
        if (n == "phone") return opt(c.phone);
        if (n == "note") return opt(c.note);
        if (n == "multipassIdentifier") return opt(c.multipass_identifier);
        if (n == "locale") return c.locale;
        if (n == "state") return c.state;
        if (n == "tags") return json::array(c.tags.begin(), c.tags.end());
        if (n == "taxExemptions") return json::array(c.tax_exemptions.begin(), c.tax_exemptions.end());
        if (n == "verifiedEmail") return c.verified_email;
        if (n == "validEmailAddress") return c.email.has_value();
        if (n == "taxExempt") return c.tax_exempt;
        if (n == "dataSaleOptOut") return c.data_sale_opt_out;
        if (n == "canDelete") return c.number_of_orders == 0;
        if (n == "createdAt") return format_time(c.created_at);
        if (n == "updatedAt") return format_time(c.updated_at);
        if (n == "numberOfOrders") return std::to_string(c.number_of_orders);
        if (n == "amountSpent") {
            const type_def& t = type_of(f);
            return select(t, t.name, sel.sub, [&](const field_def& mf, const selection&) -> out_value {
                return mf.name == "amount" ? json::value(c.amount_spent) : json::value("USD");
            });
        }
        if (n == "defaultEmailAddress")
            return c.email ? email_address(c, type_of(f), sel) : json::value(nullptr);
        if (n == "defaultPhoneNumber")
            return c.phone ? phone_number(c, type_of(f), sel) : json::value(nullptr);
        if (n == "emailMarketingConsent" || n == "smsMarketingConsent") {
            bool email = n == "emailMarketingConsent";
            if (email ? !c.email : !c.phone)
                return nullptr;
            const marketing_consent& mc = email ? c.email_consent : c.sms_consent;
            const type_def& t = type_of(f);
            return select(t, t.name, sel.sub, [&](const field_def& cf, const selection&) -> out_value {
                if (cf.name == "marketingState") return mc.state;
                if (cf.name == "marketingOptInLevel") return opt(mc.opt_in_level);
                if (cf.name == "consentUpdatedAt") return opt_time(mc.updated_at);
                return opt(mc.collected_from);
            });
        }
        if (n == "defaultAddress") {
            const mailing_address* a = c.default_address();
            return a ? address_value(*a, sel) : json::value(nullptr);
        }
        if (n == "addresses") {
            json::array out;
            for (const auto& a : c.addresses)
                out.push_back(address_value(a, sel));
            return out;
        }
        if (n == "addressesV2") {
            json::object a = args(f, sel);
            std::vector<page_entry> entries;
            for (std::size_t i = 0; i < c.addresses.size(); ++i)
                entries.push_back(id_entry(c.addresses[i].id, i));
            auto page = paginate(std::move(entries), page_request_from(a), a.at("reverse").as_bool());
            if (!page)
                throw field_failure{page.error(), "BAD_REQUEST"};
            return connection_value(type_of(f), sel, *page,
                                    [&](std::size_t i, const selection& s) { return address_value(c.addresses[i], s); });
        }
        if (n == "metafield") {
            json::object a = args(f, sel);
            std::string ns = a.contains("namespace") && a.at("namespace").is_string() ? std::string(a.at("namespace").as_string()) : "custom";
            const metafield* m = c.find_metafield(ns, std::string(a.at("key").as_string()));
            return m ? metafield_value(*m, sel) : json::value(nullptr);
        }
        if (n == "metafields") {
            json::object a = args(f, sel);
            std::vector<std::size_t> keep;
            for (std::size_t i = 0; i < c.metafields.size(); ++i) {
                const metafield& m = c.metafields[i];
                if (a.contains("namespace") && a.at("namespace").is_string() && m.name_space != a.at("namespace").as_string())
                    continue;
                if (a.contains("keys") && a.at("keys").is_array()) {
                    bool hit = false;
                    for (const auto& k : a.at("keys").as_array())
                        hit |= k.as_string() == m.name_space + "." + m.key;
                    if (!hit)
                        continue;
                }
                keep.push_back(i);
            }
            std::vector<page_entry> entries;
            for (std::size_t i : keep)
                entries.push_back(id_entry(c.metafields[i].id, i));
            auto page = paginate(std::move(entries), page_request_from(a), a.at("reverse").as_bool());
            if (!page)
                throw field_failure{page.error(), "BAD_REQUEST"};
            return connection_value(type_of(f), sel, *page,
                                    [&](std::size_t i, const selection& s) { return metafield_value(c.metafields[i], s); });
        }
        throw field_failure{"Field '" + n + "' on type 'Customer' is not emulated", "FIELD_NOT_EMULATED"};
    }

    json::value email_address(const customer& c, const type_def& t, const selection& sel)
    {
        return select(t, t.name, sel.sub, [&](const field_def& f, const selection&) -> out_value {
            const std::string& n = f.name;
            if (n == "emailAddress") return *c.email;
            if (n == "marketingState") return c.email_consent.state == "REDACTED" ? "NOT_SUBSCRIBED" : c.email_consent.state;
            if (n == "marketingOptInLevel") return opt(c.email_consent.opt_in_level);
            if (n == "marketingUpdatedAt") return opt_time(c.email_consent.updated_at);
            if (n == "validFormat") return c.email->find('@') != std::string::npos;
            if (n == "openTrackingLevel") return "UNKNOWN";
            std::string base = "https://sandbox.crmsync.invalid/unsubscribe?customer_id=" + std::to_string(c.id);
            return n == "openTrackingUrl" ? base + "&open_tracking=1" : base;
        });
    }

    json::value phone_number(const customer& c, const type_def& t, const selection& sel)
    {
        return select(t, t.name, sel.sub, [&](const field_def& f, const selection&) -> out_value {
            const std::string& n = f.name;
            if (n == "phoneNumber") return *c.phone;
            if (n == "marketingState") return c.sms_consent.state;
            if (n == "marketingOptInLevel") return opt(c.sms_consent.opt_in_level);
            if (n == "marketingUpdatedAt") return opt_time(c.sms_consent.updated_at);
            return opt(c.sms_consent.collected_from);
        });
    }

    json::value address_value(const mailing_address& a, const selection& sel)
    {
        const type_def& t = *s_.type("MailingAddress");
        return select(t, t.name, sel.sub, [&](const field_def& f, const selection& s) -> out_value {
            const std::string& n = f.name;
            if (n == "id") return address_gid(a.id);
            if (n == "address1") return opt(a.address1);
            if (n == "address2") return opt(a.address2);
            if (n == "city") return opt(a.city);
            if (n == "company") return opt(a.company);
            if (n == "country") return opt(a.country);
            if (n == "countryCode" || n == "countryCodeV2") return opt(a.country_code);
            if (n == "province") return opt(a.province);
            if (n == "provinceCode") return opt(a.province_code);
            if (n == "zip") return opt(a.zip);
            if (n == "firstName") return opt(a.first_name);
            if (n == "lastName") return opt(a.last_name);
            if (n == "phone") return opt(a.phone);
            if (n == "coordinatesValidated") return false;
            if (n == "latitude" || n == "longitude" || n == "timeZone") return nullptr;
            if (n == "name") {
                std::string name = a.first_name.value_or("");
                if (a.last_name)
                    name += (name.empty() ? "" : " ") + *a.last_name;
                return name.empty() ? json::value(nullptr) : json::value(name);
            }
            std::string area = a.city.value_or("");
            // Only a zone code shows (captured: province "Michigan" in Mali shows as "Detroit, Mali").
            std::string region = a.province_code.value_or("");
            if (!region.empty())
                area += (area.empty() ? "" : " ") + region;
            // A city-state shows its name once ("Singapore", not "Singapore, Singapore").
            if (a.country && area != *a.country)
                area += (area.empty() ? "" : ", ") + *a.country;
            if (n == "formattedArea")
                return area.empty() ? json::value(nullptr) : json::value(area);
            json::object fa = args(f, s);
            json::array lines;
            if (fa.at("withName").as_bool() && (a.first_name || a.last_name))
                lines.push_back(json::value(a.first_name.value_or("") + (a.last_name ? " " + *a.last_name : "")));
            if (fa.at("withCompany").as_bool() && a.company)
                lines.push_back(json::value(*a.company));
            for (const auto* line : {&a.address1, &a.address2})
                if (*line && !(*line)->empty())
                    lines.push_back(json::value(**line));
            std::string city_line = a.city.value_or("") + (a.province_code ? " " + *a.province_code : "") +
                                    (a.zip ? " " + *a.zip : "");
            if (!city_line.empty())
                lines.push_back(json::value(city_line));
            if (a.country)
                lines.push_back(json::value(*a.country));
            return lines;
        });
    }

    json::value metafield_value(const metafield& m, const selection& sel)
    {
        const type_def& t = *s_.type("Metafield");
        return select(t, t.name, sel.sub, [&](const field_def& f, const selection&) -> out_value {
            const std::string& n = f.name;
            if (n == "id") return metafield_gid(m.id);
            if (n == "legacyResourceId") return std::to_string(m.id);
            if (n == "namespace") return m.name_space;
            if (n == "key") return m.key;
            if (n == "type") return m.type;
            if (n == "value") return m.value;
            if (n == "ownerType") return "CUSTOMER";
            if (n == "createdAt") return format_time(m.created_at);
            if (n == "updatedAt") return format_time(m.updated_at);
            return std::to_string(std::hash<std::string>{}(m.value)); // compareDigest
        });
    }

    // --- mutations --------------------------------------------------------------------------
    // webhookSubscriptionCreate/Update/Delete, bulkOperationRunQuery, bulkOperationCancel.
    json::value shop_mutation(const field_def& f, const selection& sel)
    {
        shop_services& svc = services(f);
        json::object a = args(f, sel);
        std::optional<json::value> object;
        std::optional<std::string> deleted;
        json::array user_errors;
        bool changed = false;
        if (f.name.starts_with("webhookSubscription")) {
            webhook_mutation_result r = f.name == "webhookSubscriptionCreate"   ? svc.webhooks.create(a, now_, svc.rules)
                                        : f.name == "webhookSubscriptionUpdate" ? svc.webhooks.update(a, now_, svc.rules)
                                                                                : svc.webhooks.remove(a);
            object = std::move(r.subscription);
            deleted = std::move(r.deleted_id);
            user_errors = std::move(r.user_errors);
            changed = r.changed;
        } else {
            bulk_mutation_result r = f.name == "bulkOperationRunQuery"
                                         ? svc.bulk.run_query(a, store_, now_, svc.bulk_config, svc.base_url)
                                         : svc.bulk.cancel(a, now_, svc.bulk_config, svc.base_url);
            object = std::move(r.operation);
            user_errors = std::move(r.user_errors);
            changed = r.changed;
        }
        // A bulk export reads; only subscription changes count as writes to the shop.
        if (changed && f.name.starts_with("webhookSubscription"))
            ++out_.writes;
        const type_def& payload = type_of(f);
        return select(payload, payload.name, sel.sub, [&](const field_def& pf, const selection& ps) -> out_value {
            if (pf.name == "deletedWebhookSubscriptionId")
                return deleted ? json::value(*deleted) : json::value(nullptr);
            if (pf.name == "webhookSubscription" || pf.name == "bulkOperation")
                return object ? project(type_of(pf), *object, ps) : json::value(nullptr);
            const type_def& et = type_of(pf);
            json::array out;
            for (const auto& e : user_errors)
                out.push_back(project(et, e, ps));
            return out;
        });
    }

    json::value mutation_field(const field_def& f, const selection& sel)
    {
        if (f.name.starts_with("webhookSubscription") || f.name.starts_with("bulkOperation"))
            return shop_mutation(f, sel);
        mutation_outcome r = run_mutation(f.name, args(f, sel), store_, now_);
        if (r.changed)
            ++out_.writes;
        if (r.top_error)
            throw field_failure{std::string(r.top_error->at("message").as_string()), std::string(r.top_error->at("code").as_string())};
        const type_def& payload = type_of(f);
        return select(payload, payload.name, sel.sub, [&](const field_def& pf, const selection& ps) -> out_value {
            if (pf.name == "customer" || pf.name == "node")
                return customer_value(r.result, ps);
            if (pf.name == "address")
                return r.address ? address_value(*r.address, ps) : json::value(nullptr);
            if (pf.name == "deletedAddressId")
                return r.deleted_address_id ? json::value(*r.deleted_address_id) : json::value(nullptr);
            if (pf.name == "createdDefinition")
                return r.definition ? definition_value(*r.definition, ps) : json::value(nullptr);
            if (pf.name == "deletedCustomerId")
                return r.deleted_id ? json::value(*r.deleted_id) : json::value(nullptr);
            if (pf.name == "customerId")
                return r.result ? json::value(customer_gid(r.result->id)) : json::value(nullptr);
            const type_def& et = type_of(pf);
            json::array out;
            for (const auto& e : r.user_errors)
                out.push_back(select(et, et.name, ps.sub, [&](const field_def& ef, const selection&) -> out_value {
                    const json::value* v = e.as_object().if_contains(ef.name);
                    return v ? *v : json::value(nullptr);
                }));
            return out;
        });
    }

    const execution_request& req_;
    const schema& s_;
    customer_store& store_;
    wall_time now_;
    execution_result& out_;
    std::vector<json::value> path_;
    bool root_null_ = false;
};

} // namespace

execution_result execute(const execution_request& req, customer_store& store, wall_time now)
{
    execution_result out;
    executor(req, store, now, out).run();
    return out;
}

json::value project_customer(const execution_request& req, const selection& node, const customer& c, customer_store& store,
                             wall_time now)
{
    execution_result out;
    return executor(req, store, now, out).customer_value(&c, node);
}

} // namespace crmsync::sandbox::shopify
