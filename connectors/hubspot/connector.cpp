#include "connectors/hubspot/connector.hpp"

#include "connectors/hubspot/mapping.hpp"
#include "core/iso8601.hpp"
#include "core/normalize.hpp"
#include "core/url.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <regex>
#include <set>

namespace crmsync::hubspot {

namespace json = boost::json;

hubspot_connector::hubspot_connector(boost::asio::any_io_executor ex, settings s, http_client& http, const clock& clk,
                                     connector_options opts, std::shared_ptr<spdlog::logger> log)
    : settings_(std::move(s)), clock_(clk), opts_(std::move(opts)), log_(std::move(log)),
      window_gate_(make_window_gate(ex, clk, settings_.tier_hint, opts_.max_share)),
      search_gate_(make_search_gate(ex, clk, opts_.max_share)),
      client_(settings_, http, clk, *window_gate_, *search_gate_, log_)
{
    for (std::string_view p : {"email", "lastmodifieddate", "hs_object_id", "hs_merged_object_ids"})
        if (std::find(opts_.properties.begin(), opts_.properties.end(), p) == opts_.properties.end())
            opts_.properties.emplace_back(p);
}

boost::asio::awaitable<outcome<std::vector<record>>> hubspot_connector::fetch_by_ids(std::span<const std::string> ids,
                                                                                    priority prio)
{
    std::vector<record> out;
    for (std::size_t at = 0; at < ids.size(); at += max_batch()) {
        auto chunk = ids.subspan(at, std::min(max_batch(), ids.size() - at));
        json::array inputs;
        for (const auto& id : chunk)
            inputs.push_back(json::object{{"id", id}});
        json::array props;
        for (const auto& p : opts_.properties)
            props.emplace_back(p);
        json::object body{{"inputs", std::move(inputs)}, {"properties", std::move(props)}, {"propertiesWithHistory", json::array{}}};
        auto r = co_await client_.call("POST", client_.objects_path() + "/batch/read", json::serialize(body),
                                       endpoint_class::standard, prio, "batch read");
        if (!r)
            co_return r.error();
        if ((r->status != 200 && r->status != 207) || !r->body.is_object())
            co_return permanent(fmt::format("HubSpot batch read: HTTP {}: {}", r->status, error_message(r->body)));
        std::set<std::string, std::less<>> found;
        if (auto results = r->body.as_object().if_contains("results"); results && results->is_array()) {
            for (const auto& c : results->as_array()) {
                if (!c.is_object())
                    continue;
                auto rec = contact_from_json(c.as_object());
                if (!rec) {
                    log_->warn("HubSpot batch read: {}", rec.error().message);
                    continue;
                }
                found.insert(rec->id);
                // A merged-away id resolves to the survivor, which lists it: a merge, not a deletion.
                for (const auto& m : rec->merged_ids)
                    found.insert(m);
                out.push_back(std::move(*rec));
            }
        }
        // Ids HubSpot did not return no longer exist as such (archived, or merged into another record).
        for (const auto& id : chunk)
            if (!found.contains(id))
                out.push_back(record{id, 0, {}, true});
    }
    co_return out;
}

boost::asio::awaitable<outcome<id_page>> hubspot_connector::list_ids(std::string page)
{
    auto path = client_.objects_path() + "?limit=100&properties=hs_object_id&archived=false";
    if (!page.empty())
        path += "&after=" + url_encode(page);
    auto r = co_await client_.call("GET", std::move(path), {}, endpoint_class::standard, priority::backfill, "contact ids");
    if (!r)
        co_return r.error();
    if (r->status != 200 || !r->body.is_object())
        co_return permanent(fmt::format("HubSpot contact ids: HTTP {}: {}", r->status, error_message(r->body)));
    id_page out;
    const auto& body = r->body.as_object();
    if (auto results = body.if_contains("results"); results && results->is_array())
        for (const auto& c : results->as_array())
            if (c.is_object())
                if (auto id = c.as_object().if_contains("id"); id && id->is_string())
                    out.ids.emplace_back(id->as_string());
    if (auto paging = body.if_contains("paging"); paging && paging->is_object())
        if (auto next = paging->as_object().if_contains("next"); next && next->is_object())
            if (auto a = next->as_object().if_contains("after"); a && a->is_string())
                out.next_page = std::string(a->as_string());
    co_return out;
}

namespace {

std::string existing_id_of(std::string_view message)
{
    static const std::regex re("Existing ID: ?(\\d+)");
    std::cmatch m;
    std::string s(message);
    std::smatch sm;
    if (std::regex_search(s, sm, re))
        return sm[1].str();
    return {};
}

std::vector<std::string> strings_at(const json::object& o, std::string_view key)
{
    std::vector<std::string> out;
    if (auto v = o.if_contains(key); v && v->is_array())
        for (const auto& s : v->as_array())
            if (s.is_string())
                out.emplace_back(s.as_string());
    return out;
}

std::string trace_id(std::int64_t op_id) { return fmt::format("crmsync-{}", op_id); }

} // namespace

boost::asio::awaitable<void> hubspot_connector::write_batch(std::string_view verb, std::string_view id_property,
                                                            std::vector<batch_input> inputs,
                                                            std::vector<write_result>& out)
{
    json::array arr;
    for (const auto& in : inputs) {
        json::object o{{"properties", properties_json(in.op->fields)}, {"objectWriteTraceId", trace_id(in.op->op_id)}};
        if (verb == "update")
            o["id"] = in.key;
        else if (verb == "upsert") {
            o["id"] = in.key;
            o["idProperty"] = id_property;
        }
        arr.push_back(std::move(o));
    }
    priority prio = priority::backfill;
    for (const auto& in : inputs)
        prio = std::min(prio, in.op->prio);
    const std::string what = fmt::format("batch {} of {}", verb, inputs.size());
    json::object request;
    request["inputs"] = std::move(arr);
    auto path = fmt::format("{}/batch/{}", client_.objects_path(), verb);
    auto r = co_await client_.call("POST", std::move(path), json::serialize(request), endpoint_class::standard, prio,
                                   what);
    if (!r) {
        for (const auto& in : inputs)
            out.push_back({in.op->op_id, r.error(), {}, {}});
        co_return;
    }
    const bool ok = r->status == 200 || r->status == 201 || r->status == 207;
    if (!ok && inputs.size() > 1 && r->status >= 400 && r->status < 500) {
        // HubSpot rejected the whole batch because of some input; send them one by one so that only the
        // offending record fails.
        for (auto& in : inputs) {
            std::vector<batch_input> one(1, in);
            co_await write_batch(verb, id_property, std::move(one), out);
        }
        co_return;
    }
    if (!ok) {
        const auto& in = inputs.front();
        auto msg = error_message(r->body);
        write_result res{in.op->op_id, permanent(fmt::format("HubSpot {} of contact {}: HTTP {}: {}", verb, in.key,
                                                             r->status, msg),
                                                 r->status),
                         {}, {}};
        if (r->status == 409)
            res.existing_id = existing_id_of(msg);
        out.push_back(std::move(res));
        co_return;
    }
    std::vector<bool> done(inputs.size(), false);
    auto match = [&](std::string_view key, std::string_view trace) -> int {
        for (std::size_t i = 0; i < inputs.size(); ++i) {
            if (done[i])
                continue;
            if (!trace.empty() && trace == trace_id(inputs[i].op->op_id))
                return static_cast<int>(i);
            if (!key.empty() && (key == inputs[i].key || (id_property == "email" && normalize_email(key) == inputs[i].key)))
                return static_cast<int>(i);
        }
        return -1;
    };
    const auto& body = r->body.is_object() ? r->body.as_object() : json::object{};
    if (auto results = body.if_contains("results"); results && results->is_array()) {
        for (const auto& c : results->as_array()) {
            if (!c.is_object())
                continue;
            const auto& co = c.as_object();
            std::string id = co.if_contains("id") && co.at("id").is_string() ? std::string(co.at("id").as_string()) : "";
            std::string key = id;
            if (verb != "update")
                if (auto props = co.if_contains("properties"); props && props->is_object())
                    if (auto v = props->as_object().if_contains(id_property.empty() ? "email" : id_property);
                        v && v->is_string())
                        key = std::string(v->as_string());
            int i = match(key, "");
            if (i < 0 && verb == "create" && inputs.size() == 1)
                i = 0;
            if (i < 0)
                continue;
            done[static_cast<std::size_t>(i)] = true;
            write_result res{inputs[static_cast<std::size_t>(i)].op->op_id, std::nullopt, id, {}};
            if (auto u = co.if_contains("updatedAt"); u && u->is_string())
                res.updated_at_ms = parse_iso8601_ms(u->as_string()).value_or(0);
            out.push_back(std::move(res));
        }
    }
    if (auto errors = body.if_contains("errors"); errors && errors->is_array()) {
        for (const auto& e : errors->as_array()) {
            if (!e.is_object())
                continue;
            const auto& eo = e.as_object();
            std::vector<std::string> traces, ids;
            if (auto ctx = eo.if_contains("context"); ctx && ctx->is_object()) {
                traces = strings_at(ctx->as_object(), "objectWriteTraceId");
                ids = strings_at(ctx->as_object(), "ids");
            }
            auto msg = error_message(e);
            auto fail = [&](int i) {
                if (i < 0)
                    return;
                auto& in = inputs[static_cast<std::size_t>(i)];
                done[static_cast<std::size_t>(i)] = true;
                write_result res{in.op->op_id,
                                 permanent(fmt::format("HubSpot {} of contact {}: {}", verb, in.key, msg)), {}, {}};
                res.existing_id = existing_id_of(msg);
                out.push_back(std::move(res));
            };
            for (const auto& t : traces)
                fail(match("", t));
            for (const auto& id : ids)
                fail(match(id, ""));
        }
    }
    for (std::size_t i = 0; i < inputs.size(); ++i)
        if (!done[i])
            out.push_back({inputs[i].op->op_id,
                           retryable(fmt::format("HubSpot {} of contact {}: no result for this input", verb, inputs[i].key)),
                           {},
                           {}});
}

namespace {

// The request a write travels in. A create is an upsert keyed on the e-mail or, without one, on the unique
// shopify_customer_id; a retried create is a plain create on that key (it must not overwrite what an
// earlier, applied attempt left — a person may have edited it since — and "Existing ID" links instead);
// a create without either key travels alone, since a batch create fails whole on one bad input.
struct request_kind {
    std::string verb;        // upsert | create | update | archive | gdpr-delete
    std::string id_property; // upsert/create key: email | shopify_customer_id | "" (none)
    std::string key;         // the op's value of that key
    bool operator==(const request_kind& o) const { return verb == o.verb && id_property == o.id_property; }
};

request_kind request_of(const write_op& op)
{
    switch (op.kind) {
    case write_kind::update: return {"update", "", op.target_id};
    case write_kind::remove: return {op.erase ? "gdpr-delete" : "archive", "", op.target_id};
    case write_kind::create: break;
    }
    auto field = [&](std::string_view k) {
        auto it = op.fields.find(k);
        return it == op.fields.end() ? std::string() : it->second;
    };
    const std::string verb = op.retry ? "create" : "upsert";
    if (auto email = normalize_email(field("email")); !email.empty())
        return {verb, "email", email};
    if (auto cid = field("shopify_customer_id"); !cid.empty())
        return {verb, "shopify_customer_id", cid};
    return {"create", "", ""};
}

} // namespace

std::string hubspot_connector::batch_group(const write_op& op) const
{
    auto k = request_of(op);
    if ((k.verb == "create" && k.id_property.empty()) || k.verb == "gdpr-delete") // one record per request
        return fmt::format("{}:{}", k.verb, op.op_id);
    return k.verb + ":" + k.id_property;
}

boost::asio::awaitable<std::vector<write_result>> hubspot_connector::apply(std::span<const write_op> ops)
{
    std::vector<write_result> out;
    std::vector<std::pair<request_kind, std::vector<batch_input>>> requests; // in first-seen order
    std::set<std::string, std::less<>> keys;
    for (const auto& op : ops) {
        auto k = request_of(op);
        if (op.kind == write_kind::create && !k.key.empty() && !keys.insert(k.id_property + ":" + k.key).second) {
            // Two creates for one key in one request would race inside HubSpot; the engine sends the second
            // one again later, when the first has settled.
            out.push_back({op.op_id, retryable("another create for the same key is in this batch"), {}, {}});
            continue;
        }
        auto it = std::find_if(requests.begin(), requests.end(), [&](const auto& r) { return r.first == k; });
        if (it == requests.end() || (k.verb == "create" && k.id_property.empty()) || k.verb == "gdpr-delete")
            it = requests.insert(requests.end(), {k, {}});
        it->second.push_back({&op, k.key});
    }
    for (auto& [k, inputs] : requests) {
        if (k.verb == "archive")
            co_await archive_batch(std::move(inputs), out);
        else if (k.verb == "gdpr-delete")
            co_await gdpr_delete(inputs.front(), out);
        else
            co_await write_batch(k.verb, k.id_property, std::move(inputs), out);
    }
    co_return out;
}

// A privacy erasure: POST .../contacts/gdpr-delete {"objectId"} answers 204 and removes the contact for
// good (notes §3.7); a contact that is gone already (404) needs nothing more.
boost::asio::awaitable<void> hubspot_connector::gdpr_delete(const batch_input& in, std::vector<write_result>& out)
{
    json::object request{{"objectId", in.key}};
    auto r = co_await client_.call("POST", client_.objects_path() + "/gdpr-delete", json::serialize(request),
                                   endpoint_class::standard, in.op->prio, "GDPR delete");
    if (!r)
        out.push_back({in.op->op_id, r.error(), {}, {}});
    else if (r->status == 204 || r->status == 200 || r->status == 404)
        out.push_back({in.op->op_id, std::nullopt, in.key, {}});
    else
        out.push_back({in.op->op_id,
                       permanent(fmt::format("HubSpot GDPR delete of contact {}: HTTP {}: {}", in.key, r->status,
                                             error_message(r->body)),
                                 r->status),
                       {},
                       {}});
}

// Archives through batch/archive, which answers 204 for the whole batch: ids that are gone already are
// archived as far as we are concerned.
boost::asio::awaitable<void> hubspot_connector::archive_batch(std::vector<batch_input> inputs,
                                                              std::vector<write_result>& out)
{
    json::array arr;
    priority prio = priority::backfill;
    for (const auto& in : inputs) {
        arr.push_back(json::object{{"id", in.key}});
        prio = std::min(prio, in.op->prio);
    }
    json::object request;
    request["inputs"] = std::move(arr);
    const std::string what = fmt::format("batch archive of {}", inputs.size());
    auto path = client_.objects_path() + "/batch/archive";
    auto r = co_await client_.call("POST", std::move(path), json::serialize(request), endpoint_class::standard, prio,
                                   what);
    for (const auto& in : inputs) {
        if (!r)
            out.push_back({in.op->op_id, r.error(), {}, {}});
        else if (r->status == 204 || r->status == 200)
            out.push_back({in.op->op_id, std::nullopt, in.key, {}});
        else
            out.push_back({in.op->op_id,
                           permanent(fmt::format("HubSpot archive of contact {}: HTTP {}: {}", in.key, r->status,
                                                 error_message(r->body)),
                                     r->status),
                           {},
                           {}});
    }
}

} // namespace crmsync::hubspot
