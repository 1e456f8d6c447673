// HubSpot CRM answers through the connector: the client's classification (429 policies, rate-limit
// headers, 401/403, retryable statuses, malformed bodies), contact_from_json on search / batch read /
// list pages, the search window tokens built from paging, batch write results with 207 errors and 409
// "Existing ID", archive and GDPR delete, the property survey, and error_message(). Every request of one
// run gets the same fuzzed answer; a bad answer must become an outcome, never a crash.
//
// Input: byte 0 selects the call (bits 0-2), byte 1 the HTTP status, then header lines up to an empty
// line, then the body (fuzz_support.hpp).
#include "connectors/hubspot/client.hpp"
#include "connectors/hubspot/connector.hpp"
#include "connectors/hubspot/mapping.hpp"
#include "fuzz/fuzz_support.hpp"
#include "tests/fakes/manual_clock.hpp"

#include <boost/json/parse.hpp>

#include <memory>
#include <vector>

using namespace crmsync;
namespace asio = boost::asio;

namespace {

std::vector<write_op> write_ops()
{
    std::vector<write_op> ops(7);
    auto set = [&](std::size_t i, write_kind k, std::string target, field_map fields) {
        ops[i].op_id = static_cast<std::int64_t>(i) + 40;
        ops[i].kind = k;
        ops[i].target_id = std::move(target);
        ops[i].fields = std::move(fields);
    };
    // Two upserts by e-mail travel together, as do the two updates; the create without a key goes alone.
    set(0, write_kind::create, "", {{"email", "Jane@Example.com"}, {"firstname", "Jane"}});
    set(1, write_kind::create, "", {{"email", "bob@example.com"}, {"shopify_customer_id", "7412345678901"}});
    set(2, write_kind::create, "", {{"shopify_customer_id", "7412345678902"}});
    set(3, write_kind::create, "", {{"firstname", "No key"}});
    set(4, write_kind::update, "501", {{"phone", "+14155550100"}, {"city", ""}});
    set(5, write_kind::update, "502", {{"lastname", "Doe"}});
    set(6, write_kind::create, "", {{"email", "carol@example.com"}});
    ops[6].retry = true;
    return ops;
}

std::vector<write_op> remove_ops()
{
    std::vector<write_op> ops(3);
    for (std::size_t i = 0; i < ops.size(); ++i) {
        ops[i].op_id = static_cast<std::int64_t>(i) + 60;
        ops[i].kind = write_kind::remove;
        ops[i].target_id = std::to_string(601 + i);
    }
    ops[2].erase = true;
    return ops;
}

asio::awaitable<void> call(hubspot::hubspot_connector& c, int op)
{
    static const std::vector<std::string> ids{"501", "502", "503"};
    switch (op) {
    case 0: (void)co_await c.fetch_changes({}); break;
    case 1:
        (void)co_await c.fetch_changes({.cursor = "1789999990000", .page = "r:GT:1789999990000:200:1790000000000"});
        break;
    case 2: (void)co_await c.fetch_changes({.cursor = "1789999990000", .page = "t:1789999990000:501:0:1790000000000"}); break;
    case 3: (void)co_await c.fetch_by_ids(ids, priority::live); break;
    case 4: (void)co_await c.list_ids("AoJ"); break;
    case 5: {
        static const auto ops = write_ops();
        (void)co_await c.apply(ops);
        break;
    }
    case 6: {
        static const auto ops = remove_ops();
        (void)co_await c.apply(ops);
        break;
    }
    default:
        (void)co_await c.check();
        (void)co_await c.prepare();
        break;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::input in(data, size);
    const int op = in.byte() & 7;
    fuzz::canned_http_client http;
    http.response.status = fuzz::status_of(in.byte());
    http.response.headers = in.headers();
    http.response.body = std::string(in.rest());

    // The readers on their own: a contact object, and any body as an error.
    boost::system::error_code ec;
    auto v = boost::json::parse(http.response.body, ec);
    if (!ec) {
        if (v.is_object())
            (void)hubspot::contact_from_json(v.as_object());
        (void)hubspot::error_message(v);
    }

    test::manual_clock clock;
    auto ioc = std::make_unique<asio::io_context>();
    hubspot::settings s;
    s.base_url = "https://api.hubapi.com";
    s.access_token = "pat-fuzz";
    hubspot::connector_options opts;
    opts.properties = {"email", "firstname", "lastname", "phone", "city", "shopify_customer_id", "shopify_tags"};
    opts.written_properties = {"email", "firstname", "lastname", "phone", "city", "shopify_customer_id", "shopify_tags"};
    hubspot::hubspot_connector conn(ioc->get_executor(), s, http, clock, opts, fuzz::null_logger("hubspot"));
    fuzz::run_until_idle(*ioc, call(conn, op));
    // Coroutines still waiting on the connector's request gates go before the connector does.
    ioc.reset();
    return 0;
}
