// Bulk query operations, the client-credentials grant and version headers of the Shopify emulator,
// through its HTTP handler on a manual clock. Fixtures replayed (tests/data/shopify/2026-04):
// bulk-operation-run-query-user-error-codes, -validators (all but connectionWithinList: the list
// field sits on Order, a type the sandbox does not model), -concurrency-limit (runs, the sixth
// run's OPERATION_IN_PROGRESS listing the running ids, cancels) and -schema-roots (runs and cancels
// over roots the sandbox shop has no data for, currentBulkOperation polls).
// Not replayed: bulk-operation-run-query-group-objects (its 1456 products are not emulated; its
// JSONL conventions are tested on customers below), 2025-01/bulk-operation-run-query-operation-
// in-progress (captured when 2025-01 fell forward to a version allowing one running operation;
// today it falls forward to 2026-01, which allows five), and every bulk-operation-run-mutation-*
// capture (bulk mutations and staged uploads are not emulated).

#include "tests/fakes/manual_clock.hpp"
#include "tests/unit/sandbox_shopify_replay.hpp"

#include <sstream>

using namespace shopify_replay;
using crmsync::sandbox::shopify::emulator_options;
using crmsync::test::manual_clock;

namespace {

// A recorded {operationName, query, variables, response} call, replayed as sent.
json::object replay_inline(emulator& em, const json::value& call, id_map& ids, replay_options o = {})
{
    o.operation.clear(); // the recorder's operationName is not the document's; one operation each
    json::object c{{"variables", call.at("variables")}, {"response", call.at("response")}};
    return replay(em, std::string(call.at("query").as_string()), c, ids, o);
}

json::object run_bulk(emulator& em, const std::string& query, bool group = false)
{
    return gql(em, "mutation($q: String!, $g: Boolean!) { bulkOperationRunQuery(query: $q, groupObjects: $g) { bulkOperation { id status "
                   "objectCount url } userErrors { field message code } } }",
               json::object{{"q", query}, {"g", group}});
}

json::object poll(emulator& em, const std::string& id)
{
    return gql(em, "query($id: ID!) { bulkOperation(id: $id) { id status objectCount rootObjectCount fileSize url completedAt } }",
               json::object{{"id", id}})
        .at("data")
        .at("bulkOperation")
        .as_object();
}

crmsync::http_server_reply get(emulator& em, const std::string& target)
{
    crmsync::http_server_request req;
    req.method = "GET";
    req.target = target;
    return call(em, std::move(req));
}

std::vector<json::object> lines(const std::string& jsonl)
{
    std::vector<json::object> out;
    std::istringstream in(jsonl);
    for (std::string line; std::getline(in, line);)
        out.push_back(json::parse(line).as_object());
    return out;
}

} // namespace

TEST_CASE("fixture replay: bulk query validation userErrors")
{
    manual_clock clock;
    emulator em(clock);
    id_map ids;
    json::value codes = load("2026-04/bulk-operation-run-query-user-error-codes.json");
    json::value validators = load("2026-04/bulk-operation-run-query-validators.json");
    for (const auto& kv : codes.at("validations").as_object()) {
        INFO(kv.key());
        replay_inline(em, kv.value(), ids);
    }
    for (const auto& kv : validators.at("validations").as_object()) {
        if (kv.key() == "connectionWithinList")
            continue;
        INFO(kv.key());
        replay_inline(em, kv.value(), ids);
    }
}

TEST_CASE("fixture replay: five running bulk queries, the sixth refused with their ids, cancels")
{
    manual_clock clock;
    emulator em(clock);
    id_map ids;
    json::value fx = load("2026-04/bulk-operation-run-query-concurrency-limit.json");
    // Live, the products export had made progress when it was canceled; here the shop has none.
    replay_options o;
    o.extra_volatile = {"objectCount", "rootObjectCount"};
    for (const auto& run : fx.at("successfulRuns").as_array())
        replay_inline(em, run, ids, o);
    const json::value& sixth = fx.at("sixthRun");
    json::object r = gql(em, std::string(sixth.at("query").as_string()), sixth.at("variables"));
    const json::value& expected = sixth.at("response").at("data").at("bulkOperationRunQuery");
    std::string message(expected.at("userErrors").at(0).at("message").as_string());
    for (const auto& [live, mine] : ids)
        if (auto at = message.find(live); at != std::string::npos)
            message.replace(at, live.size(), mine);
    const json::value& mine = r.at("data").at("bulkOperationRunQuery");
    CHECK(mine.at("bulkOperation").is_null());
    CHECK(mine.at("userErrors").at(0).at("message") == json::value(message));
    CHECK(mine.at("userErrors").at(0).at("code") == "OPERATION_IN_PROGRESS");
    CHECK(mine.at("userErrors").at(0).at("field").is_null());
    for (const auto& cancel : fx.at("cancelAttempts").as_array())
        replay_inline(em, cancel, ids, o);
    // Canceled operations no longer count: a new run is accepted once they settle.
    clock.advance(std::chrono::seconds(2));
    CHECK(run_bulk(em, "{ customers { edges { node { id } } } }").at("data").at("bulkOperationRunQuery").at("userErrors").as_array().empty());
}

TEST_CASE("fixture replay: bulk queries over roots without sandbox data - currentBulkOperation")
{
    manual_clock clock;
    emulator em(clock);
    id_map ids;
    json::value fx = load("2026-04/bulk-operation-run-query-schema-roots.json");
    for (const char* name : {"ordersRoot", "draftOrdersWarningsList"}) {
        INFO(name);
        const json::value& c = fx.at("cases").at(name);
        replay_inline(em, c.at("run"), ids);
        replay_inline(em, c.at("afterCleanup").at("cancel"), ids);
        replay_inline(em, c.at("afterCleanup").at("settle").at("before"), ids);
        clock.advance(std::chrono::seconds(2));
        for (const auto& p : c.at("afterCleanup").at("settle").at("polls").as_array())
            replay_inline(em, p, ids);
    }
}

TEST_CASE("bulk query lifecycle on the clock - JSONL with __parentId children - the result URL")
{
    manual_clock clock;
    emulator_options opts;
    opts.bulk.objects_per_second = 10;
    emulator em(clock, opts);
    em.set_base_url("http://127.0.0.1:8781");
    em.seed(20, 7);
    auto seeded = em.list_customers();
    std::size_t with_address = 0;
    for (const auto& c : seeded)
        with_address += c.at("defaultAddress").is_null() ? 0 : 1;
    REQUIRE(with_address > 0);

    const std::string q = "{ customers { edges { node { id email addressesV2 { edges { node { id city } } } } } } }";
    auto started = run_bulk(em, q).at("data").at("bulkOperationRunQuery");
    REQUIRE(started.at("userErrors").as_array().empty());
    std::string id(started.at("bulkOperation").at("id").as_string());
    CHECK(started.at("bulkOperation").at("status") == "CREATED");
    CHECK(started.at("bulkOperation").at("url").is_null());
    CHECK(poll(em, id).at("status") == "CREATED");
    clock.advance(std::chrono::milliseconds(500 + 1000)); // started, 10 objects/s for 1 s
    auto running = poll(em, id);
    CHECK(running.at("status") == "RUNNING");
    CHECK(running.at("objectCount") == "10");
    CHECK(running.at("url").is_null());
    clock.advance(std::chrono::seconds(10));
    auto done = poll(em, id);
    REQUIRE(done.at("status") == "COMPLETED");
    std::size_t total = 20 + with_address;
    CHECK(done.at("objectCount") == json::value(std::to_string(total)));
    CHECK(done.at("rootObjectCount") == "20");
    CHECK(done.at("completedAt").is_string());
    std::string url(done.at("url").as_string());
    std::string prefix = "http://127.0.0.1:8781";
    REQUIRE(url.starts_with(prefix + "/_bulk/"));

    auto file = get(em, url.substr(prefix.size())); // no token needed, like a signed URL
    REQUIRE(file.response.status == 200);
    CHECK(file.response.headers.get("Content-Type") == "application/jsonl");
    CHECK(done.at("fileSize") == json::value(std::to_string(file.response.body.size())));
    auto rows = lines(file.response.body);
    REQUIRE(rows.size() == total);
    // groupObjects false: every child comes after all the roots.
    for (std::size_t i = 0; i < rows.size(); ++i) {
        bool child = rows[i].contains("__parentId");
        CHECK(child == (i >= 20));
        if (!child) {
            CHECK(!rows[i].contains("addressesV2"));
            CHECK(rows[i].at("id").as_string().starts_with("gid://shopify/Customer/"));
        } else {
            CHECK(rows[i].at("id").as_string().starts_with("gid://shopify/MailingAddress/"));
            CHECK(rows[i].contains("city"));
            bool parent_known = std::any_of(rows.begin(), rows.begin() + 20, [&](const json::object& r) { return r.at("id") == rows[i].at("__parentId"); });
            CHECK(parent_known);
        }
    }

    // groupObjects true: each child right after its parent. A search filter narrows the roots.
    std::size_t vips = 0;
    for (const auto& c : seeded)
        for (const auto& t : c.at("tags").as_array())
            vips += t == "vip" ? 1 : 0;
    REQUIRE(vips > 0);
    REQUIRE(vips < 20);
    auto grouped = run_bulk(em, "{ customers(query: \"tag:vip\") { edges { node { id addressesV2 { edges { node { id } } } } } } }", true);
    std::string gid(grouped.at("data").at("bulkOperationRunQuery").at("bulkOperation").at("id").as_string());
    clock.advance(std::chrono::seconds(20));
    auto gdone = poll(em, gid);
    auto grows = lines(get(em, std::string(gdone.at("url").as_string()).substr(prefix.size())).response.body);
    CHECK(gdone.at("rootObjectCount") == json::value(std::to_string(vips)));
    json::value parent;
    for (const auto& r : grows) {
        if (!r.contains("__parentId"))
            parent = r.at("id");
        else
            CHECK(r.at("__parentId") == parent);
    }

    // Results expire after 7 days.
    clock.advance(std::chrono::hours(24 * 7));
    CHECK(poll(em, id).at("status") == "EXPIRED");
    CHECK(get(em, url.substr(prefix.size())).response.status == 403);
}

TEST_CASE("bulkOperationCancel and a bulk query with no data")
{
    manual_clock clock;
    emulator em(clock);
    auto r = run_bulk(em, "{ products { edges { node { id title } } } }").at("data").at("bulkOperationRunQuery");
    std::string id(r.at("bulkOperation").at("id").as_string());
    clock.advance(std::chrono::seconds(1));
    auto done = poll(em, id);
    CHECK(done.at("status") == "COMPLETED");
    CHECK(done.at("objectCount") == "0");
    CHECK(done.at("url").is_null());
    CHECK(done.at("fileSize").is_null());
    const std::string cancel = "mutation($id: ID!) { bulkOperationCancel(id: $id) { bulkOperation { status } userErrors { field message } } }";
    auto late = gql(em, cancel, json::object{{"id", id}}).at("data").at("bulkOperationCancel");
    CHECK(late.at("userErrors").at(0).at("message") == "A bulk operation cannot be canceled when it is completed");
    auto unknown = gql(em, cancel, json::object{{"id", "gid://shopify/BulkOperation/1"}}).at("data").at("bulkOperationCancel");
    CHECK(unknown.at("userErrors").at(0).at("field") == json::array{"id"});
}

TEST_CASE("client-credentials grant: tokens accepted until they expire on the emulator's clock")
{
    manual_clock clock;
    emulator em(clock);
    auto grant = [&](const std::string& body, const std::string& type = "application/x-www-form-urlencoded") {
        crmsync::http_server_request req;
        req.method = "POST";
        req.target = "/admin/oauth/access_token";
        req.headers.add("Content-Type", type);
        req.body = body;
        return call(em, std::move(req));
    };
    auto ok = grant("grant_type=client_credentials&client_id=sandbox_client_id&client_secret=shpss_sandbox_client_secret");
    REQUIRE(ok.response.status == 200);
    json::object t = json::parse(ok.response.body).as_object();
    CHECK(t.at("scope") == "read_customers,write_customers");
    CHECK(t.at("expires_in") == 86399);
    std::string token(t.at("access_token").as_string());
    CHECK(token.starts_with("shpat_"));
    const std::string query = R"({"query":"{ customersCount { count } }"})";
    CHECK(post_graphql(em, query, token).response.status == 200);

    auto wrong = grant("grant_type=client_credentials&client_id=sandbox_client_id&client_secret=nope");
    CHECK(wrong.response.status == 401);
    CHECK(json::parse(wrong.response.body).at("error") == "invalid_client");
    CHECK(grant("grant_type=authorization_code&code=x").response.status == 400);
    auto json_body = grant(R"({"grant_type":"client_credentials","client_id":"sandbox_client_id","client_secret":"shpss_sandbox_client_secret"})",
                           "application/json");
    CHECK(json_body.response.status == 200);

    clock.advance(std::chrono::seconds(86398));
    CHECK(post_graphql(em, query, token).response.status == 200);
    clock.advance(std::chrono::seconds(2));
    auto expired = post_graphql(em, query, token);
    CHECK(expired.response.status == 401);
    CHECK(json::parse(expired.response.body).at("errors") ==
          "[API] Invalid API key or access token (unrecognized login or wrong password)");
    CHECK(post_graphql(em, query, token).response.status == 401);
    CHECK(post_graphql(em, query).response.status == 200); // the static token never expires

    // Knob: token lifetime (over HTTP).
    crmsync::http_server_request knob;
    knob.method = "POST";
    knob.target = "/_sandbox/tokens";
    knob.body = R"({"lifetimeSeconds": 60})";
    REQUIRE(call(em, knob).response.status == 200);
    auto short_lived = grant("grant_type=client_credentials&client_id=sandbox_client_id&client_secret=shpss_sandbox_client_secret");
    CHECK(json::parse(short_lived.response.body).at("expires_in") == 60);
}

TEST_CASE("version headers: fall-forward and the deprecation-reason knob")
{
    manual_clock clock;
    emulator em(clock);
    const std::string query = R"({"query":"{ customersCount { count } }"})";
    auto old = post_graphql(em, query, token, "2025-07");
    CHECK(old.response.headers.get("X-Shopify-API-Version") == "2026-01");
    CHECK(old.response.headers.get("X-Shopify-API-Deprecated-Reason") == "https://shopify.dev/api/usage/versioning#deprecation-practices");
    auto current = post_graphql(em, query, token, "2026-10");
    CHECK(current.response.headers.get("X-Shopify-API-Version") == "2026-10");
    CHECK(!current.response.headers.contains("X-Shopify-API-Deprecated-Reason"));
    em.set_deprecated_reason("https://shopify.dev/changelog/sandbox-says-so");
    CHECK(post_graphql(em, query, token, "2026-10").response.headers.get("X-Shopify-API-Deprecated-Reason") ==
          "https://shopify.dev/changelog/sandbox-says-so");
    em.set_deprecated_reason(std::nullopt);
    CHECK(!post_graphql(em, query, token, "2026-10").response.headers.contains("X-Shopify-API-Deprecated-Reason"));
}
