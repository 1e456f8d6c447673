#pragma once
// Replay of recorded Shopify fixtures (tests/data/shopify) against the emulator through its HTTP
// handler (no sockets): a call runs emulator::handle() to completion on a private io_context, and
// the answer is compared with the capture by shape, stable values, error texts and requested (by
// default also actual) cost. Live ids are learnt as answers carry them: recorded variables, texts
// and literals naming them are sent with ours, and where an answer names a known id it must name
// ours. tests/data/shopify/fixtures.md lists which fixtures are replayed where.

#include "sandbox/shopify/emulator.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace shopify_replay {

namespace json = boost::json;
using crmsync::sandbox::shopify::emulator;

inline const std::string token = "shpat_sandbox_token";

inline crmsync::http_server_reply call(emulator& em, crmsync::http_server_request req)
{
    boost::asio::io_context io;
    std::optional<crmsync::http_server_reply> out;
    boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> { out = co_await em.handle(req); },
                          [](std::exception_ptr e) {
                              if (e)
                                  std::rethrow_exception(e);
                          });
    io.run();
    REQUIRE(out);
    return *out;
}

inline crmsync::http_server_reply post_graphql(emulator& em, const std::string& body, const std::string& tok = token,
                                               const std::string& version = "2026-04")
{
    crmsync::http_server_request req;
    req.method = "POST";
    req.target = "/admin/api/" + version + "/graphql.json";
    req.headers.add("Content-Type", "application/json");
    req.headers.add("X-Shopify-Access-Token", tok);
    req.body = body;
    return call(em, std::move(req));
}

inline json::object gql(emulator& em, const std::string& query, const json::value& variables = json::object{},
                        const std::string& operation = "")
{
    json::object body{{"query", query}, {"variables", variables}};
    if (!operation.empty())
        body["operationName"] = operation;
    auto r = post_graphql(em, json::serialize(body));
    REQUIRE(r.response.status == 200);
    return json::parse(r.response.body).as_object();
}

inline std::string load_text(const std::string& rel)
{
    std::ifstream in(std::string(CRMSYNC_SOURCE_DIR) + "/tests/data/shopify/" + rel);
    REQUIRE_MESSAGE(in, rel);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline json::value load(const std::string& rel) { return json::parse(load_text(rel)); }

// A recorded call in any of the capture layouts: {variables, response}, {variables, response{status,
// payload}}, {request{query, variables}, response}, {query, variables, response{status, body}},
// {status, payload}, or a bare answer {data, extensions} whose request was not recorded.
struct recorded_call {
    std::optional<std::string> query; // the document as sent, when the capture kept it
    json::value variables;            // object; empty when none were recorded
    const json::value* expected;      // the answer: {data, extensions} or {errors, ...}
};

inline recorded_call recorded(const json::value& call)
{
    const json::object& c = call.as_object();
    recorded_call out{std::nullopt, json::object{}, &call};
    const json::object* src = &c;
    if (const json::value* req = c.if_contains("request"); req && req->is_object())
        src = &req->as_object();
    if (const json::value* q = src->if_contains("query"); q && q->is_string())
        out.query = std::string(q->as_string());
    if (const json::value* v = src->if_contains("variables"); v && v->is_object())
        out.variables = *v;
    if (const json::value* r = c.if_contains("response"))
        out.expected = r;
    for (const char* wrapper : {"payload", "body"})
        if (const json::value* inner = out.expected->as_object().if_contains(wrapper)) {
            out.expected = inner;
            break;
        }
    return out;
}

using id_map = std::map<std::string, std::string>;

struct replay_options {
    std::string operation;                 // operationName for multi-operation documents
    bool actual_cost = true;               // compare actualQueryCost too
    std::set<std::string> extra_volatile;  // keys whose values may differ
    // Keys of connections over the whole shop: the live store held customers the sandbox does not,
    // so only the fixture's own objects are compared there (present on both sides, same values)
    // and every other item only by shape. Actual cost is then not compared.
    std::set<std::string> shop_wide;
    // Keys the sandbox does not serve: the document leaves them out and the comparison skips them.
    std::set<std::string> not_emulated;
};

// A recorded text (a document's literals, a message) with the live ids and cursors it names
// replaced by ours, longest first so that no id is taken for the start of another.
inline std::string local_text(std::string doc, const id_map& ids)
{
    std::vector<const std::pair<const std::string, std::string>*> order;
    for (const auto& kv : ids)
        if (kv.first.size() >= 8 && kv.first != kv.second && doc.find(kv.first) != std::string::npos)
            order.push_back(&kv);
    std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->first.size() > b->first.size(); });
    for (const auto* kv : order)
        for (auto at = doc.find(kv->first); at != std::string::npos; at = doc.find(kv->first, at + kv->second.size()))
            doc.replace(at, kv->first.size(), kv->second);
    return doc;
}

inline const std::set<std::string>& volatile_keys()
{
    static const std::set<std::string> keys{"id", "createdAt", "updatedAt", "cursor", "startCursor", "endCursor",
                                            "deletedWebhookSubscriptionId", "legacyResourceId", "completedAt",
                                            "currentlyAvailable", "locations"};
    return keys;
}

inline void same_shape(const json::value& expected, const json::value& actual, const replay_options& o, const id_map& ids,
                       const std::string& path);

// Only the key sets, recursively (an item of a shop-wide list that the fixture did not create).
inline void same_keys(const json::value& expected, const json::value& actual, const std::string& path)
{
    if (!expected.is_object() || !actual.is_object())
        return;
    std::set<std::string> ek, ak;
    for (const auto& kv : expected.as_object())
        ek.insert(kv.key());
    for (const auto& kv : actual.as_object())
        ak.insert(kv.key());
    CHECK_MESSAGE(ek == ak, path << ": " << json::serialize(expected) << " vs " << json::serialize(actual));
    for (const auto& kv : expected.as_object())
        if (const json::value* a = actual.as_object().if_contains(kv.key()))
            same_keys(kv.value(), *a, path + "." + std::string(kv.key()));
}

inline const json::value* item_id(const json::value& item)
{
    if (!item.is_object())
        return nullptr;
    const json::object& o = item.as_object();
    if (const json::value* node = o.if_contains("node"); node && node->is_object())
        return node->as_object().if_contains("id");
    return o.if_contains("id");
}

// A connection over the whole shop: see replay_options::shop_wide.
inline void shop_wide_shape(const json::value& expected, const json::value& actual, const replay_options& o, const id_map& ids,
                            const std::string& path)
{
    REQUIRE_MESSAGE(actual.is_object(), path << " expected an object, got " << json::serialize(actual));
    std::set<std::string> ek, ak;
    for (const auto& kv : expected.as_object())
        ek.insert(kv.key());
    for (const auto& kv : actual.as_object())
        ak.insert(kv.key());
    CHECK_MESSAGE(ek == ak, path << ": " << json::serialize(expected) << " vs " << json::serialize(actual));
    std::set<std::string> ours;
    for (const auto& [live, mine] : ids)
        ours.insert(mine);
    for (const auto& kv : expected.as_object()) {
        const json::value* a = actual.as_object().if_contains(kv.key());
        if (!a)
            continue;
        std::string p = path + "." + std::string(kv.key());
        if (!kv.value().is_array()) {
            same_keys(kv.value(), *a, p);
            continue;
        }
        REQUIRE_MESSAGE(a->is_array(), p);
        const json::array& ea = kv.value().as_array();
        const json::array& aa = a->as_array();
        std::set<std::string> expected_ours;
        for (const auto& item : ea) {
            const json::value* id = item_id(item);
            auto mapped = id && id->is_string() ? ids.find(std::string(id->as_string())) : ids.end();
            if (mapped == ids.end())
                continue;
            expected_ours.insert(mapped->second);
            auto hit = std::find_if(aa.begin(), aa.end(), [&](const json::value& x) {
                const json::value* xi = item_id(x);
                return xi && xi->is_string() && xi->as_string() == mapped->second;
            });
            CHECK_MESSAGE(hit != aa.end(), p << ": the fixture's " << mapped->first << " is missing: " << json::serialize(*a));
            if (hit != aa.end())
                same_shape(item, *hit, o, ids, p + "[" + mapped->second + "]");
        }
        for (const auto& x : aa) {
            const json::value* xi = item_id(x);
            if (xi && xi->is_string() && ours.count(std::string(xi->as_string())))
                CHECK_MESSAGE(expected_ours.count(std::string(xi->as_string())), p << ": unexpected " << json::serialize(x));
            if (!ea.empty())
                same_keys(ea.front(), x, p + "[]");
        }
    }
}

// Same keys at every level and the same stable values; ids, stamps and cursors differ.
inline void same_shape(const json::value& expected, const json::value& actual, const replay_options& o, const id_map& ids,
                       const std::string& path)
{
    if (expected.is_object()) {
        REQUIRE_MESSAGE(actual.is_object(), path << " expected an object, got " << json::serialize(actual));
        std::set<std::string> ek, ak;
        for (const auto& kv : expected.as_object())
            if (!o.not_emulated.count(kv.key()))
                ek.insert(kv.key());
        for (const auto& kv : actual.as_object())
            ak.insert(kv.key());
        CHECK_MESSAGE(ek == ak, path << ": " << json::serialize(expected) << " vs " << json::serialize(actual));
        for (const auto& kv : expected.as_object()) {
            const json::value* a = actual.as_object().if_contains(kv.key());
            if (!a || o.not_emulated.count(kv.key()))
                continue;
            std::string p = path + "." + std::string(kv.key());
            bool id_like = kv.key() == "id" || kv.key().ends_with("Id");
            if (id_like && kv.value().is_string())
                if (auto known = ids.find(std::string(kv.value().as_string())); known != ids.end())
                    CHECK_MESSAGE(*a == json::value(known->second), p << ": " << json::serialize(*a) << " is not ours for " << known->first);
            if (volatile_keys().count(kv.key()) || (id_like && kv.value().is_string()) || o.extra_volatile.count(kv.key()))
                continue;
            if (o.shop_wide.count(kv.key()) && kv.value().is_object())
                shop_wide_shape(kv.value(), *a, o, ids, p);
            else
                same_shape(kv.value(), *a, o, ids, p);
        }
    } else if (expected.is_array()) {
        REQUIRE_MESSAGE(actual.is_array(), path);
        REQUIRE_MESSAGE(expected.as_array().size() == actual.as_array().size(), path << ": " << json::serialize(actual));
        for (std::size_t i = 0; i < expected.as_array().size(); ++i)
            same_shape(expected.as_array()[i], actual.as_array()[i], o, ids, path + "[" + std::to_string(i) + "]");
    } else if (expected.is_string() && !ids.empty()) {
        // Texts naming live ids ("... already in progress: gid://shopify/BulkOperation/7749099028786.") name ours.
        json::value mine(local_text(std::string(expected.as_string()), ids));
        CHECK_MESSAGE(mine == actual, path << ": " << json::serialize(mine) << " vs " << json::serialize(actual));
    } else {
        CHECK_MESSAGE(expected == actual, path << ": " << json::serialize(expected) << " vs " << json::serialize(actual));
    }
}

inline void same_shape(const json::value& expected, const json::value& actual, const std::set<std::string>& extra_volatile = {},
                       const std::string& path = "$")
{
    replay_options o;
    o.extra_volatile = extra_volatile;
    same_shape(expected, actual, o, id_map{}, path);
}

// Recorded variables with the live ids replaced by ours.
inline json::value local(const json::value& v, const id_map& ids)
{
    if (v.is_string()) {
        auto it = ids.find(std::string(v.as_string()));
        return it == ids.end() ? v : json::value(it->second);
    }
    if (v.is_object()) {
        json::object out;
        for (const auto& kv : v.as_object())
            out[kv.key()] = local(kv.value(), ids);
        return out;
    }
    if (v.is_array()) {
        json::array out;
        for (const auto& x : v.as_array())
            out.push_back(local(x, ids));
        return out;
    }
    return v;
}


// Learns live id -> our id (and live cursor -> ours) wherever both answers carry one at the same
// place; not inside shop-wide connections, whose items do not correspond by position.
inline void learn_ids(const json::value& expected, const json::value& actual, id_map& ids, const std::set<std::string>& shop_wide = {})
{
    if (expected.is_object() && actual.is_object()) {
        for (const auto& kv : expected.as_object()) {
            const json::value* a = actual.as_object().if_contains(kv.key());
            if (!a || shop_wide.count(kv.key()))
                continue;
            bool key = kv.key() == "id" || kv.key() == "cursor" || kv.key() == "startCursor" || kv.key() == "endCursor";
            if (key && kv.value().is_string() && a->is_string())
                ids[std::string(kv.value().as_string())] = std::string(a->as_string());
            else
                learn_ids(kv.value(), *a, ids, shop_wide);
        }
    } else if (expected.is_array() && actual.is_array()) {
        for (std::size_t i = 0; i < std::min(expected.as_array().size(), actual.as_array().size()); ++i)
            learn_ids(expected.as_array()[i], actual.as_array()[i], ids, shop_wide);
    }
}

// Sends `doc` with `vars` and compares the answer with `expected`; returns our answer.
inline json::object replay_answer(emulator& em, const std::string& doc, const json::value& vars, const json::value& expected,
                                  id_map& ids, const replay_options& o = {})
{
    json::object r = gql(em, doc, vars, o.operation);
    INFO("answer: " << json::serialize(r));
    if (const json::value* errors = expected.as_object().if_contains("errors")) {
        REQUIRE(r.contains("errors"));
        const json::value& e0 = errors->at(0);
        const json::value& a0 = r.at("errors").at(0);
        if (e0.as_object().contains("extensions"))
            CHECK(a0.at("extensions").at("code") == e0.at("extensions").at("code"));
        CHECK(a0.at("message") == e0.at("message"));
        if (e0.as_object().contains("path"))
            CHECK(a0.at("path") == e0.at("path"));
        return r;
    }
    if (const json::value* ext = expected.as_object().if_contains("extensions"); ext && ext->as_object().contains("cost")) {
        const json::object& ecost = ext->at("cost").as_object();
        CHECK(r.at("extensions").at("cost").at("requestedQueryCost") == ecost.at("requestedQueryCost"));
        if (o.actual_cost && o.shop_wide.empty())
            CHECK(r.at("extensions").at("cost").at("actualQueryCost") == ecost.at("actualQueryCost"));
    }
    REQUIRE_MESSAGE(r.contains("data"), json::serialize(r));
    same_shape(expected.at("data"), r.at("data"), o, ids, "$");
    learn_ids(expected.at("data"), r.at("data"), ids, o.shop_wide);
    return r;
}

// Replays one recorded call (any layout recorded() reads) with `doc`; returns our answer.
inline json::object replay(emulator& em, const std::string& doc, const json::value& call, id_map& ids,
                           const replay_options& o = {})
{
    recorded_call c = recorded(call);
    return replay_answer(em, doc, local(c.variables, ids), *c.expected, ids, o);
}

} // namespace shopify_replay
