#include "sandbox/shopify/bulk_operations.hpp"

#include "sandbox/shopify/executor.hpp"
#include "sandbox/shopify/formats.hpp"
#include "sandbox/shopify/graphql_parser.hpp"
#include "sandbox/shopify/input_values.hpp"
#include "sandbox/shopify/paging.hpp"
#include "sandbox/shopify/search.hpp"
#include "sandbox/shopify/validator.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cmath>

namespace crmsync::sandbox::shopify {
namespace json = boost::json;
namespace {

constexpr auto url_lifetime = std::chrono::hours(24 * 7);

bool is_connection_type(const type_def& t) { return t.name.size() > 10 && t.name.ends_with("Connection"); }

// Plain field selections of a set, fragments flattened (bulk queries rarely use them).
void fields_of(const document& doc, const selection_set& set, std::vector<const selection*>& out)
{
    for (const auto& sel : set.items) {
        if (sel.k == selection::kind::field) {
            out.push_back(&sel);
        } else if (sel.k == selection::kind::inline_fragment) {
            fields_of(doc, sel.sub, out);
        } else if (const fragment_definition* f = doc.fragment(sel.name)) {
            fields_of(doc, f->selections, out);
        }
    }
}

std::vector<const selection*> fields_of(const document& doc, const selection_set& set)
{
    std::vector<const selection*> out;
    fields_of(doc, set, out);
    return out;
}

const selection* child(const document& doc, const selection& sel, std::string_view name)
{
    for (const selection* s : fields_of(doc, sel.sub))
        if (s->name == name)
            return s;
    return nullptr;
}

// The shape facts the bulk rules look at.
struct shape {
    int connections = 0;
    int depth = 0;
    std::vector<std::string> via_nodes;      // connections selecting `nodes`
    std::vector<std::string> parent_without_id;
    bool connection_in_list = false;
};

class shape_walker {
public:
    shape_walker(const schema& s, const document& doc, shape& out) : s_(s), doc_(doc), out_(out) {}

    // `parent` is null where the type is not modelled (stub types): connections are then
    // recognised by their `edges`/`nodes` selections.
    void walk(const type_def* parent, const selection_set& set, int depth, bool in_list, const selection* parent_node,
              const std::string& parent_connection)
    {
        for (const selection* sel : fields_of(doc_, set)) {
            if (!sel->has_selection_set)
                continue;
            const field_def* f = parent && !parent->stub ? parent->field(sel->name) : nullptr;
            const type_def* rt = f ? s_.type(f->type.base_name()) : nullptr;
            bool connection = rt ? is_connection_type(*rt)
                                 : (child(doc_, *sel, "edges") != nullptr || child(doc_, *sel, "nodes") != nullptr);
            if (!connection) {
                walk(rt && !rt->stub ? rt : nullptr, sel->sub, depth, in_list || (f && f->type.is_list()), parent_node,
                     parent_connection);
                continue;
            }
            ++out_.connections;
            out_.depth = std::max(out_.depth, depth + 1);
            if (in_list)
                out_.connection_in_list = true;
            if (parent_node) {
                bool has_id = false;
                for (const selection* p : fields_of(doc_, parent_node->sub))
                    has_id |= p->name == "id" && p->alias.empty();
                if (!has_id && std::find(out_.parent_without_id.begin(), out_.parent_without_id.end(), parent_connection) ==
                                   out_.parent_without_id.end())
                    out_.parent_without_id.push_back(parent_connection);
            }
            if (child(doc_, *sel, "nodes"))
                out_.via_nodes.push_back(sel->name);
            const selection* edges = child(doc_, *sel, "edges");
            const selection* node = edges ? child(doc_, *edges, "node") : nullptr;
            if (!node)
                continue;
            const type_def* node_type = nullptr;
            if (rt && !rt->stub)
                if (const field_def* nf = rt->field("nodes"))
                    node_type = s_.type(nf->type.base_name());
            walk(node_type && !node_type->stub ? node_type : nullptr, node->sub, depth + 1, false, node, sel->name);
        }
    }

private:
    const schema& s_;
    const document& doc_;
    shape& out_;
};

json::object invalid(std::string message)
{
    return json::object{{"field", json::array{"query"}}, {"message", std::move(message)}, {"code", "INVALID"}};
}

std::string quoted_list(const std::vector<std::string>& names)
{
    std::string out;
    for (const auto& n : names)
        out += (out.empty() ? "'" : ", '") + n + "'";
    return out;
}

// Shopify's userErrors for a bulk query, in the order the captures show them.
json::array validate_bulk(const std::string& text, const boost::system::result<document, syntax_error>& parsed)
{
    json::array errors;
    if (!parsed) {
        std::string msg = parsed.error().message;
        if (msg.find("unexpected end of file") != std::string::npos)
            msg = msg.substr(0, msg.find(" at ["));
        errors.push_back(invalid("Invalid bulk query: " + msg));
        return errors;
    }
    const document& doc = *parsed;
    if (doc.operations.empty() || text.empty()) {
        errors.push_back(invalid("Invalid bulk query: syntax error, unexpected end of file"));
        return errors;
    }
    const operation_definition& op = doc.operations.front();
    if (op.kind != "query") {
        errors.push_back(invalid("Invalid operation type. Only `query` operations are supported."));
        return errors;
    }
    for (const auto& e : validate_document(admin_schema(), doc)) {
        const json::value* code = e.as_object().at("extensions").as_object().if_contains("code");
        if (code && *code == "FIELD_NOT_EMULATED")
            continue; // exists in Shopify; the sandbox shop simply has no such data
        errors.push_back(invalid("Invalid bulk query: " + std::string(e.at("message").as_string())));
        return errors;
    }
    for (const selection* root : fields_of(doc, op.selections))
        if (root->name == "node" || root->name == "nodes")
            errors.push_back(invalid("Bulk queries cannot contain a top level `" + root->name + "` field."));
    shape sh;
    shape_walker(admin_schema(), doc, sh).walk(&admin_schema().query_root(), op.selections, 0, false, nullptr, "");
    if (sh.depth > 2)
        errors.push_back(invalid("Bulk queries cannot contain connections with a nesting depth greater than 2."));
    if (sh.connections > 5)
        errors.push_back(invalid("Bulk queries cannot contain more than 5 connections."));
    if (sh.connections == 0)
        errors.push_back(invalid("Bulk queries must contain at least one connection."));
    if (!sh.via_nodes.empty()) {
        const std::string& first = sh.via_nodes.front();
        errors.push_back(invalid("All connection fields in a bulk query must select their contents using 'edges' > 'node', e.g: '" +
                                 first + " { edges { node {'. Selecting via 'nodes' is not supported. Invalid connection fields: " +
                                 quoted_list(sh.via_nodes) + "."));
    }
    if (!sh.parent_without_id.empty()) {
        std::string names;
        for (const auto& n : sh.parent_without_id)
            names += (names.empty() ? "" : ", ") + n;
        errors.push_back(invalid("The parent 'node' field for a nested connection must select the 'id' field without an alias "
                                 "and must be of 'ID' return type. Connection fields without 'id': " + names + "."));
    }
    if (sh.connection_in_list)
        errors.push_back(invalid("Queries that contain a connection field within a list field are not currently supported."));
    return errors;
}

struct jsonl_result {
    std::string text;
    std::uint64_t objects = 0, roots = 0;
};

// Runs a valid bulk query: the customers connection (query:, sortKey:, reverse: honoured), its
// nested connections as child lines. Other root connections have no data in the sandbox shop.
jsonl_result run(const document& doc, customer_store& store, wall_time now, bool group_objects)
{
    jsonl_result out;
    const operation_definition& op = doc.operations.front();
    const json::object no_variables;
    execution_request req{admin_schema(), doc, op, no_variables, nullptr, true};
    std::vector<std::string> children;
    for (const selection* root : fields_of(doc, op.selections)) {
        if (root->name != "customers")
            continue;
        const selection* edges = child(doc, *root, "edges");
        const selection* node = edges ? child(doc, *edges, "node") : nullptr;
        if (!node)
            continue;
        json::object a = resolve_arguments(*admin_schema().query_root().field("customers"), *root, no_variables);
        std::vector<indexed_customer> all = store.indexed(now);
        if (const json::value* q = a.if_contains("query"); q && q->is_string()) {
            search_query sq = parse_search(q->as_string(), customer_search_fields());
            std::erase_if(all, [&](const indexed_customer& ic) { return !search_matches(sq.root, *ic.indexed, now); });
        }
        std::string sort_key = a.contains("sortKey") ? std::string(a.at("sortKey").as_string()) : "ID";
        std::vector<page_entry> entries;
        for (std::size_t i = 0; i < all.size(); ++i)
            entries.push_back(sort_entry(*all[i].indexed, sort_key, i));
        page_request everything;
        everything.unbounded = true;
        auto page = paginate(std::move(entries), everything, a.contains("reverse") && a.at("reverse").as_bool());
        if (!page)
            continue;
        std::vector<const selection*> nested;
        for (const selection* f : fields_of(doc, node->sub)) {
            const field_def* fd = admin_schema().type("Customer")->field(f->name);
            const type_def* rt = fd ? admin_schema().type(fd->type.base_name()) : nullptr;
            if (rt && is_connection_type(*rt))
                nested.push_back(f);
        }
        for (const auto& e : page->items) {
            json::value v = project_customer(req, *node, *all[e.index].live, store, now);
            json::object& obj = v.as_object();
            std::vector<std::string> mine;
            for (const selection* f : nested) {
                json::value conn = obj.contains(f->response_key()) ? obj.at(f->response_key()) : json::value(nullptr);
                obj.erase(f->response_key());
                if (!conn.is_object() || !conn.as_object().contains("edges"))
                    continue;
                for (auto& edge : conn.as_object().at("edges").as_array()) {
                    json::object item = edge.as_object().at("node").as_object();
                    item["__parentId"] = obj.contains("id") ? obj.at("id") : json::value(nullptr);
                    mine.push_back(json::serialize(item));
                }
            }
            out.text += json::serialize(obj) + "\n";
            ++out.roots;
            ++out.objects;
            for (auto& line : mine) {
                ++out.objects;
                if (group_objects)
                    out.text += line + "\n";
                else
                    children.push_back(std::move(line));
            }
        }
    }
    for (const auto& line : children)
        out.text += line + "\n";
    return out;
}

} // namespace

std::string bulk_operation_gid(std::uint64_t id) { return "gid://shopify/BulkOperation/" + std::to_string(id); }

bulk_operations::view bulk_operations::at(const operation& op, wall_time now, const bulk_settings& settings)
{
    view v;
    auto progress = [&](wall_time t) -> std::uint64_t {
        wall_time start = op.created_at + settings.start_delay;
        if (t < start)
            return 0;
        double secs = std::chrono::duration<double>(t - start).count();
        return std::min<std::uint64_t>(op.objects, static_cast<std::uint64_t>(secs * settings.objects_per_second));
    };
    auto scale_roots = [&](std::uint64_t objects) { return op.objects ? op.roots * objects / op.objects : 0; };
    if (op.canceled_at) {
        v.status = now >= *op.canceled_at + settings.cancel_delay ? "CANCELED" : "CANCELING";
        v.objects = progress(*op.canceled_at);
        v.roots = scale_roots(v.objects);
        return v;
    }
    wall_time start = op.created_at + settings.start_delay;
    auto run_time = std::chrono::milliseconds(static_cast<std::int64_t>(
        std::ceil(static_cast<double>(op.objects) * 1000.0 / std::max(1e-9, settings.objects_per_second))));
    wall_time done = start + run_time;
    if (now < start) {
        v.status = "CREATED";
    } else if (now < done) {
        v.status = "RUNNING";
        v.objects = progress(now);
        v.roots = scale_roots(v.objects);
    } else {
        v.status = now >= done + url_lifetime ? "EXPIRED" : "COMPLETED";
        v.objects = op.objects;
        v.roots = op.roots;
        v.completed_at = done;
    }
    return v;
}

json::value bulk_operations::to_json(const operation& op, wall_time now, const bulk_settings& settings,
                                     const std::string& base_url)
{
    view v = at(op, now, settings);
    bool file = v.status == "COMPLETED" && op.objects > 0;
    json::object o;
    o["id"] = bulk_operation_gid(op.id);
    o["status"] = v.status;
    o["type"] = "QUERY";
    o["errorCode"] = nullptr;
    o["createdAt"] = format_time(op.created_at);
    o["completedAt"] = v.completed_at ? json::value(format_time(*v.completed_at)) : json::value(nullptr);
    o["objectCount"] = std::to_string(v.objects);
    o["rootObjectCount"] = std::to_string(v.roots);
    o["fileSize"] = v.completed_at && op.objects > 0 ? json::value(std::to_string(op.jsonl.size())) : json::value(nullptr);
    o["url"] = file ? json::value(base_url + "/_bulk/" + std::to_string(op.id) + ".jsonl") : json::value(nullptr);
    o["partialDataUrl"] = nullptr;
    o["query"] = op.query;
    return o;
}

bulk_mutation_result bulk_operations::run_query(const json::object& args, customer_store& store, wall_time now,
                                                const bulk_settings& settings, const std::string& base_url)
{
    bulk_mutation_result r;
    std::string text(args.at("query").as_string());
    auto parsed = parse_document(text);
    r.user_errors = validate_bulk(text, parsed);
    if (!r.user_errors.empty())
        return r;
    std::string running;
    std::size_t count = 0;
    for (const auto& [id, op] : ops_) {
        std::string status = at(op, now, settings).status;
        if (status == "CREATED" || status == "RUNNING" || status == "CANCELING") {
            running += (running.empty() ? "" : ", ") + bulk_operation_gid(id);
            ++count;
        }
    }
    if (count >= settings.max_running) {
        r.user_errors.push_back(json::object{{"field", nullptr},
                                             {"message", "A bulk query operation for this app and shop is already in progress: " +
                                                             running + "."},
                                             {"code", "OPERATION_IN_PROGRESS"}});
        return r;
    }
    const json::value* group = args.if_contains("groupObjects");
    jsonl_result result = run(*parsed, store, now, group && group->is_bool() && group->as_bool());
    operation op;
    op.id = next_id_;
    next_id_ += 32'768;
    op.query = text;
    op.created_at = truncate_to_seconds(now);
    op.jsonl = std::move(result.text);
    op.objects = result.objects;
    op.roots = result.roots;
    auto& stored = ops_[op.id] = std::move(op);
    r.operation = to_json(stored, now, settings, base_url);
    r.changed = true;
    return r;
}

bulk_mutation_result bulk_operations::cancel(const json::object& args, wall_time now, const bulk_settings& settings,
                                             const std::string& base_url)
{
    bulk_mutation_result r;
    auto id = parse_gid(args.at("id").as_string(), "BulkOperation");
    auto it = id ? ops_.find(*id) : ops_.end();
    if (it == ops_.end()) {
        r.user_errors.push_back(json::object{{"field", json::array{"id"}}, {"message", "Bulk operation does not exist"}});
        return r;
    }
    std::string status = at(it->second, now, settings).status;
    if (status == "CREATED" || status == "RUNNING") {
        it->second.canceled_at = now;
        r.changed = true;
    } else if (status != "CANCELING") {
        r.user_errors.push_back(json::object{
            {"field", nullptr}, {"message", "A bulk operation cannot be canceled when it is " + to_lower(status)}});
    }
    r.operation = to_json(it->second, now, settings, base_url);
    return r;
}

std::optional<json::value> bulk_operations::find(std::uint64_t id, wall_time now, const bulk_settings& settings,
                                                 const std::string& base_url) const
{
    auto it = ops_.find(id);
    if (it == ops_.end())
        return std::nullopt;
    return to_json(it->second, now, settings, base_url);
}

std::optional<json::value> bulk_operations::current(const std::string& type, wall_time now, const bulk_settings& settings,
                                                    const std::string& base_url) const
{
    if (type != "QUERY" || ops_.empty())
        return std::nullopt;
    return to_json(ops_.rbegin()->second, now, settings, base_url);
}

std::optional<std::string> bulk_operations::file(std::uint64_t id, wall_time now, const bulk_settings& settings) const
{
    auto it = ops_.find(id);
    if (it == ops_.end() || it->second.objects == 0 || at(it->second, now, settings).status != "COMPLETED")
        return std::nullopt;
    return it->second.jsonl;
}

} // namespace crmsync::sandbox::shopify
