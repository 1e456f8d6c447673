#include "sandbox/shopify/emulator.hpp"

#include "sandbox/shopify/api_versions.hpp"
#include "sandbox/shopify/cost.hpp"
#include "sandbox/shopify/emulator_state.hpp"
#include "sandbox/shopify/executor.hpp"
#include "sandbox/shopify/formats.hpp"
#include "sandbox/shopify/graphql_parser.hpp"
#include "sandbox/shopify/input_values.hpp"
#include "sandbox/shopify/validator.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cmath>
#include <cstdio>

namespace crmsync::sandbox::shopify {
namespace json = boost::json;
namespace {

constexpr int max_query_cost = 1000;
constexpr const char* bucket_key = "app"; // one bucket per app and shop, whatever the token

json::value number(double d)
{
    if (std::floor(d) == d)
        return json::value(static_cast<std::int64_t>(d));
    return json::value(std::floor(d * 10) / 10);
}

json::object throttle_json(const throttle_status& t)
{
    return json::object{{"maximumAvailable", number(t.maximum_available)},
                        {"currentlyAvailable", number(std::floor(t.currently_available))},
                        {"restoreRate", number(t.restore_rate)}};
}

http_server_reply json_reply(int status, const json::value& body)
{
    http_server_reply r;
    r.response.status = status;
    r.response.headers.set("Content-Type", "application/json; charset=utf-8");
    r.response.body = json::serialize(body);
    return r;
}

bool looks_like_mutation(const document& doc, const std::string& operation_name)
{
    for (const auto& op : doc.operations)
        if (operation_name.empty() || op.name == operation_name)
            return op.kind == "mutation";
    return false;
}

} // namespace

boost::json::object emulator_stats::to_json() const
{
    json::object e;
    for (const auto& [k, v] : errors)
        e[k] = v;
    return json::object{{"requests", requests}, {"queries", queries},       {"mutations", mutations},
                        {"writes", writes},     {"throttled", throttled},   {"costSpent", cost_spent},
                        {"errors", std::move(e)}};
}

std::optional<bucket_limits> limits_for_plan(std::string_view plan)
{
    if (plan == "standard")
        return bucket_limits{2000, 100, true};
    if (plan == "advanced")
        return bucket_limits{4000, 200, true};
    if (plan == "plus")
        return bucket_limits{20000, 1000, true};
    if (plan == "enterprise")
        return bucket_limits{40000, 2000, true};
    return std::nullopt;
}

emulator::emulator(const clock& c, emulator_options options)
    : clock_(c), options_(std::move(options)), faults_(options_.fault_seed),
      delivery_(c, delivery_identity{options_.client_secret, options_.shop_domain, options_.webhooks.api_version,
                                     options_.fault_seed}),
      state_(std::make_unique<state>(c, options_, delivery_))
{
    state_->buckets.set_limits(options_.limits);
    state_->store.set_index_lag(options_.index_lag);
    delivery_.set_settings(options_.delivery);
}

emulator::~emulator() { delivery_.stop(); }

boost::asio::awaitable<http_server_reply> emulator::handle(http_server_request& req)
{
    std::string_view target = req.target;
    std::string_view path = target.substr(0, target.find('?'));
    if (path.starts_with("/_sandbox/") || path == "/_sandbox")
        co_return handle_control(req, path);
    if (path.starts_with("/_bulk/") && req.method == "GET")
        co_return handle_bulk_file(path);
    if (path == "/admin/oauth/access_token" && req.method == "POST")
        co_return handle_oauth(req);
    constexpr std::string_view prefix = "/admin/api/";
    constexpr std::string_view suffix = "/graphql.json";
    if (path.starts_with(prefix) && path.ends_with(suffix) && path.size() > prefix.size() + suffix.size() &&
        req.method == "POST") {
        std::string_view version = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
        co_return co_await handle_graphql(req, version);
    }
    {
        std::lock_guard lock(state_->mu);
        ++state_->stats.errors["not_found"];
    }
    co_return json_reply(404, json::object{{"errors", "Not Found"}});
}

boost::asio::awaitable<http_server_reply> emulator::handle_graphql(http_server_request& req, std::string_view version)
{
    std::string request_id;
    {
        std::lock_guard lock(state_->mu);
        ++state_->stats.requests;
        char buf[40];
        std::snprintf(buf, sizeof buf, "sandbox-%08llx-%04llx", static_cast<unsigned long long>(state_->request_counter++),
                      static_cast<unsigned long long>(state_->request_counter % 0xffff));
        request_id = buf;
    }
    auto count_error = [&](const std::string& kind) {
        std::lock_guard lock(state_->mu);
        ++state_->stats.errors[kind];
    };
    std::optional<std::string> deprecated;
    {
        std::lock_guard lock(state_->mu);
        deprecated = options_.deprecated_reason;
    }
    auto finish = [&](http_server_reply r, const std::string& served) {
        if (!served.empty())
            r.response.headers.set("X-Shopify-API-Version", served);
        if (deprecated)
            r.response.headers.set("X-Shopify-API-Deprecated-Reason", *deprecated);
        else if (!served.empty() && served != version)
            r.response.headers.set("X-Shopify-API-Deprecated-Reason", "https://shopify.dev/api/usage/versioning#deprecation-practices");
        r.response.headers.set("X-Request-Id", request_id);
        return r;
    };

    auto served = serving_version(version);
    if (!served) {
        count_error("not_found");
        co_return finish(json_reply(404, json::object{{"errors", "Not Found"}}), "");
    }
    auto token = req.headers.get("X-Shopify-Access-Token");
    if (!token || !token_accepted(*token)) {
        count_error("auth");
        co_return finish(json_reply(401, json::object{{"errors", "[API] Invalid API key or access token (unrecognized login or wrong password)"}}),
                         *served);
    }

    // Body: JSON {query, variables, operationName}; application/graphql carries the bare query.
    std::string query, operation_name;
    json::object variables;
    auto content_type = req.headers.get("Content-Type").value_or("application/json");
    auto bad_request = [&] {
        count_error("bad_request");
        return finish(json_reply(400, json::object{{"errors", json::object{{"query", "Required parameter missing or invalid"}}}}),
                      *served);
    };
    if (content_type.starts_with("application/graphql")) {
        query = req.body;
    } else {
        boost::system::error_code ec;
        json::value body = json::parse(req.body, ec);
        if (ec || !body.is_object())
            co_return bad_request();
        const json::object& o = body.as_object();
        const json::value* q = o.if_contains("query");
        if (!q || !q->is_string() || q->as_string().empty())
            co_return bad_request();
        query = std::string(q->as_string());
        if (const json::value* v = o.if_contains("variables"); v && v->is_object())
            variables = v->as_object();
        else if (v && v->is_string() && !v->as_string().empty()) {
            json::value parsed = json::parse(v->as_string(), ec);
            if (ec || !parsed.is_object())
                co_return bad_request();
            variables = parsed.as_object();
        }
        if (const json::value* n = o.if_contains("operationName"); n && n->is_string())
            operation_name = std::string(n->as_string());
    }

    auto parsed = parse_document(query);
    bool is_write = parsed && looks_like_mutation(*parsed, operation_name);

    // Faults that strike before any data is touched.
    std::optional<fault_rule> fault = faults_.pick(req.target.substr(0, req.target.find('?')), is_write);
    if (fault) {
        count_error("fault:" + std::string(to_string(fault->kind)));
        switch (fault->kind) {
        case fault_kind::http_500:
        case fault_kind::http_502:
        case fault_kind::http_503:
        case fault_kind::http_504: {
            int status = fault->kind == fault_kind::http_500 ? 500 : fault->kind == fault_kind::http_502 ? 502
                         : fault->kind == fault_kind::http_503                                         ? 503
                                                                                                       : 504;
            co_return finish(json_reply(status, json::object{{"errors", "Internal error. Looks like something went wrong on our end.\nRequest ID: " + request_id}}),
                             *served);
        }
        case fault_kind::http_429: {
            auto r = json_reply(429, json::object{{"errors", "Exceeded rate limit. Reduce request rates to resume uninterrupted service."}});
            auto secs = std::max<std::int64_t>(1, (fault->retry_after.count() + 999) / 1000);
            r.response.headers.set("Retry-After", std::to_string(secs) + ".0");
            co_return finish(std::move(r), *served);
        }
        case fault_kind::throttled: {
            std::lock_guard lock(state_->mu);
            ++state_->stats.throttled;
            json::object body{{"errors", json::array{json::object{{"message", "Throttled"},
                                                                  {"extensions", json::object{{"code", "THROTTLED"},
                                                                                              {"documentation", "https://shopify.dev/api/usage/rate-limits"}}}}}},
                              {"extensions", json::object{{"cost", json::object{{"requestedQueryCost", 0},
                                                                                {"actualQueryCost", nullptr},
                                                                                {"throttleStatus", throttle_json(state_->buckets.status(bucket_key))}}}}}};
            co_return finish(json_reply(200, body), *served);
        }
        case fault_kind::reset: {
            http_server_reply r;
            r.fault = reply_fault::reset_before_reply;
            co_return r;
        }
        case fault_kind::stall: {
            boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, fault->delay);
            co_await timer.async_wait(boost::asio::use_awaitable);
            fault.reset();
            break;
        }
        default: break; // after-apply faults below
        }
    }

    graphql_answer answer = state_->run(parsed, variables, operation_name, bucket_key);
    http_server_reply reply = json_reply(200, answer.body);
    if (fault) {
        switch (fault->kind) {
        case fault_kind::apply_then_fail: reply.fault = reply_fault::reset_before_reply; break;
        case fault_kind::malformed_json: reply.response.body.resize(reply.response.body.size() / 2); break;
        case fault_kind::slow_body:
            reply.fault = reply_fault::slow_body;
            reply.slow_chunk_delay = fault->delay;
            break;
        default: break;
        }
    }
    co_return finish(std::move(reply), *served);
}

emulator_stats emulator::stats() const
{
    std::lock_guard lock(state_->mu);
    return state_->stats;
}

void emulator::set_limits(bucket_limits limits)
{
    std::lock_guard lock(state_->mu);
    state_->buckets.set_limits(limits);
}

void emulator::set_index_lag(milliseconds lag)
{
    std::lock_guard lock(state_->mu);
    state_->store.set_index_lag(lag);
}

void emulator::define_custom_id(std::string name_space, std::string key)
{
    std::lock_guard lock(state_->mu);
    state_->store.define_custom_id({std::move(name_space), std::move(key)});
}

void emulator::reset()
{
    std::lock_guard lock(state_->mu);
    state_->store.clear();
    state_->buckets.reset();
    state_->stats = {};
    state_->webhooks.clear();
    state_->bulk.clear();
    state_->issued_tokens.clear();
    delivery_.clear();
    faults_.clear();
}

// --- the GraphQL pipeline (runs with the lock held only around data access) ----------------

graphql_answer emulator::state::run(const boost::system::result<document, syntax_error>& parsed, const json::object& variables,
                                    const std::string& operation_name, const std::string& token)
{
    auto fail = [&](const char* kind, json::array errors) {
        std::lock_guard lock(mu);
        ++stats.errors[kind];
        return graphql_answer{json::object{{"errors", std::move(errors)}}};
    };
    if (!parsed) {
        const auto& e = parsed.error();
        return fail("parse", json::array{json::object{{"message", e.message}, {"locations", locations_of(e.loc)}}});
    }
    const document& doc = *parsed;
    if (doc.operations.empty())
        return fail("validation", json::array{json::object{{"message", "No operations in this document"}}});
    json::array errors = validate_document(admin_schema(), doc);
    if (!errors.empty())
        return fail("validation", std::move(errors));
    const operation_definition* op = nullptr;
    if (operation_name.empty()) {
        if (doc.operations.size() > 1)
            return fail("validation", json::array{json::object{{"message", "An operation name is required"}}});
        op = &doc.operations.front();
    } else {
        for (const auto& o : doc.operations)
            if (o.name == operation_name)
                op = &o;
        if (!op)
            return fail("validation", json::array{json::object{{"message", "No operation named \"" + operation_name + "\""}}});
    }
    auto coerced = coerce_variables(admin_schema(), *op, variables);
    if (!coerced)
        return fail("variables", coerced.error());

    int requested = requested_cost(admin_schema(), doc, *op, *coerced);
    if (requested > max_query_cost) {
        std::string msg = "Query cost is " + std::to_string(requested) +
                          ", which exceeds the single query max cost limit (" + std::to_string(max_query_cost) +
                          ").\n\nSee https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n"
                          "cost of a query is calculated.\n\nTo query larger amounts of data with fewer limits, bulk operations "
                          "should be used instead.\nSee https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api "
                          "for usage details.\n";
        return fail("max_cost",
                    json::array{json::object{{"message", msg},
                                             {"extensions", json::object{{"code", "MAX_COST_EXCEEDED"},
                                                                         {"cost", requested},
                                                                         {"maxCost", max_query_cost},
                                                                         {"documentation", "https://shopify.dev/api/usage/limits#rate-limits"}}}}});
    }

    std::lock_guard lock(mu);
    if (!buckets.take(token, requested)) {
        ++stats.throttled;
        json::object body{{"errors", json::array{json::object{{"message", "Throttled"},
                                                              {"extensions", json::object{{"code", "THROTTLED"},
                                                                                          {"documentation", "https://shopify.dev/api/usage/rate-limits"}}}}}},
                          {"extensions", json::object{{"cost", json::object{{"requestedQueryCost", requested},
                                                                            {"actualQueryCost", nullptr},
                                                                            {"throttleStatus", throttle_json(buckets.status(token))}}}}}};
        return graphql_answer{std::move(body)};
    }
    shop_services svc = services();
    execution_result result = execute({admin_schema(), doc, *op, *coerced, &svc}, store, clock_.wall_now());
    publish_changes();
    int actual = std::min(requested, actual_cost(admin_schema(), doc, *op, *coerced, result.data));
    buckets.refund(token, requested - actual);
    ++(op->kind == "mutation" ? stats.mutations : stats.queries);
    stats.writes += static_cast<std::uint64_t>(result.writes);
    stats.cost_spent += static_cast<std::uint64_t>(actual);
    if (!result.errors.empty())
        ++stats.errors["execution"];

    json::object body;
    if (!result.errors.empty())
        body["errors"] = std::move(result.errors);
    body["data"] = std::move(result.data);
    json::object ext{{"cost", json::object{{"requestedQueryCost", requested},
                                           {"actualQueryCost", actual},
                                           {"throttleStatus", throttle_json(buckets.status(token))}}}};
    if (!result.search.empty())
        ext["search"] = std::move(result.search);
    body["extensions"] = std::move(ext);
    return graphql_answer{std::move(body), result.writes > 0};
}

} // namespace crmsync::sandbox::shopify
