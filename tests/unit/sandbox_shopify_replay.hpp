#pragma once
// Replay of recorded Shopify fixtures (tests/data/shopify) against the emulator through its HTTP
// handler (no sockets): a call runs emulator::handle() to completion on a private io_context, and
// the answer is compared with the capture by shape, stable values and requested cost. Live ids in
// recorded variables are replaced by the emulator's as calls create them.

#include "sandbox/shopify/emulator.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>

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

// Same keys at every level and the same stable values; ids, stamps and cursors differ.
inline void same_shape(const json::value& expected, const json::value& actual, const std::set<std::string>& extra_volatile = {},
                       const std::string& path = "$")
{
    static const std::set<std::string> volatile_keys{"id", "createdAt", "updatedAt", "cursor", "startCursor", "endCursor",
                                                     "deletedWebhookSubscriptionId", "legacyResourceId", "completedAt",
                                                     "currentlyAvailable", "locations"};
    if (expected.is_object()) {
        REQUIRE_MESSAGE(actual.is_object(), path << " expected an object, got " << json::serialize(actual));
        std::set<std::string> ek, ak;
        for (const auto& kv : expected.as_object())
            ek.insert(kv.key());
        for (const auto& kv : actual.as_object())
            ak.insert(kv.key());
        CHECK_MESSAGE(ek == ak, path << ": " << json::serialize(expected) << " vs " << json::serialize(actual));
        for (const auto& kv : expected.as_object()) {
            const json::value* a = actual.as_object().if_contains(kv.key());
            if (!a || volatile_keys.count(kv.key()) || extra_volatile.count(kv.key()))
                continue;
            same_shape(kv.value(), *a, extra_volatile, path + "." + std::string(kv.key()));
        }
    } else if (expected.is_array()) {
        REQUIRE_MESSAGE(actual.is_array(), path);
        REQUIRE_MESSAGE(expected.as_array().size() == actual.as_array().size(), path << ": " << json::serialize(actual));
        for (std::size_t i = 0; i < expected.as_array().size(); ++i)
            same_shape(expected.as_array()[i], actual.as_array()[i], extra_volatile, path + "[" + std::to_string(i) + "]");
    } else {
        CHECK_MESSAGE(expected == actual, path << ": " << json::serialize(expected) << " vs " << json::serialize(actual));
    }
}

using id_map = std::map<std::string, std::string>;

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

// Learns live id -> our id (and live cursor -> ours) wherever both answers carry one at the same place.
inline void learn_ids(const json::value& expected, const json::value& actual, id_map& ids)
{
    if (expected.is_object() && actual.is_object()) {
        for (const auto& kv : expected.as_object()) {
            const json::value* a = actual.as_object().if_contains(kv.key());
            if (!a)
                continue;
            bool key = kv.key() == "id" || kv.key() == "cursor" || kv.key() == "startCursor" || kv.key() == "endCursor";
            if (key && kv.value().is_string() && a->is_string())
                ids[std::string(kv.value().as_string())] = std::string(a->as_string());
            else
                learn_ids(kv.value(), *a, ids);
        }
    } else if (expected.is_array() && actual.is_array()) {
        for (std::size_t i = 0; i < std::min(expected.as_array().size(), actual.as_array().size()); ++i)
            learn_ids(expected.as_array()[i], actual.as_array()[i], ids);
    }
}

struct replay_options {
    std::string operation;                 // operationName for multi-operation documents
    bool actual_cost = true;               // compare actualQueryCost too
    std::set<std::string> extra_volatile;  // keys whose values may differ
};

// Replays one recorded call ({variables, response{status, payload}} or {variables, response})
// with `doc`; returns our answer.
inline json::object replay(emulator& em, const std::string& doc, const json::value& call, id_map& ids,
                           const replay_options& o = {})
{
    const json::value& rec = call.at("response");
    const json::value& expected = rec.as_object().contains("payload") ? rec.at("payload") : rec;
    json::value vars = call.as_object().contains("variables") ? local(call.at("variables"), ids) : json::value(json::object{});
    json::object r = gql(em, doc, vars, o.operation);
    INFO("answer: " << json::serialize(r));
    if (const json::value* errors = expected.as_object().if_contains("errors")) {
        REQUIRE(r.contains("errors"));
        const json::value& e0 = errors->at(0);
        const json::value& a0 = r.at("errors").at(0);
        CHECK(a0.at("extensions").at("code") == e0.at("extensions").at("code"));
        CHECK(a0.at("message") == e0.at("message"));
        if (e0.as_object().contains("path"))
            CHECK(a0.at("path") == e0.at("path"));
        return r;
    }
    const json::object& ecost = expected.at("extensions").at("cost").as_object();
    CHECK(r.at("extensions").at("cost").at("requestedQueryCost") == ecost.at("requestedQueryCost"));
    if (o.actual_cost)
        CHECK(r.at("extensions").at("cost").at("actualQueryCost") == ecost.at("actualQueryCost"));
    same_shape(expected.at("data"), r.at("data"), o.extra_volatile);
    learn_ids(expected.at("data"), r.at("data"), ids);
    return r;
}

} // namespace shopify_replay
