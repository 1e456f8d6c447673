// Shopify Admin GraphQL answers through the connector: the client's classification (status, errors,
// THROTTLED, cost extensions, search warnings, API version headers, the client-credentials token), the
// customers page / nodes / id listing readers, customer_from_json, the bulk export start and status, and
// the write mutations' payloads. Every request of one run gets the same fuzzed answer; a bad answer must
// become an outcome, never a crash.
//
// Input: byte 0 selects the call (bits 0-2) and the credentials (bit 3: client-credentials grant),
// byte 1 the HTTP status, then header lines up to an empty line, then the body (fuzz_support.hpp).
#include "connectors/shopify/connector.hpp"
#include "connectors/shopify/mapping.hpp"
#include "fuzz/fuzz_support.hpp"
#include "tests/fakes/manual_clock.hpp"

#include <boost/json/parse.hpp>

#include <array>
#include <memory>
#include <vector>

using namespace crmsync;
namespace asio = boost::asio;

namespace {

shopify::settings settings_for(bool client_credentials)
{
    shopify::settings s;
    s.shop = "fuzz.myshopify.com";
    s.api_version = "2026-07";
    if (client_credentials)
        s.client_id = "fuzz-client";
    else
        s.access_token = "shpat_fuzz";
    s.client_secret = "shpss_fuzz";
    s.webhooks.public_url = "https://sync.example.com/webhooks/shopify";
    return s;
}

std::vector<write_op> write_ops()
{
    std::vector<write_op> ops(3);
    ops[0].op_id = 1;
    ops[0].kind = write_kind::create;
    ops[0].peer_id = "501";
    ops[0].fields = {{"email", "jane@example.com"}, {"firstName", "Jane"}, {"tags", "vip, wholesale"},
                     {"defaultAddress.city", "Austin"}, {"emailMarketingState", "SUBSCRIBED"}};
    ops[1].op_id = 2;
    ops[1].kind = write_kind::update;
    ops[1].target_id = "6157654556905";
    ops[1].fields = {{"phone", "+14155550100"}, {"lastName", ""}, {"defaultAddress.countryCode", "US"},
                     {"smsMarketingState", "UNSUBSCRIBED"}};
    ops[2].op_id = 3;
    ops[2].kind = write_kind::remove;
    ops[2].target_id = "6157654589673";
    return ops;
}

asio::awaitable<void> call(shopify::shopify_connector& c, int op)
{
    static const std::vector<std::string> ids{"6157654556905", "6157654589673", "1"};
    switch (op) {
    case 0: (void)co_await c.fetch_changes({}); break;
    case 1:
        (void)co_await c.fetch_changes(
            {.cursor = "2026-04-25T01:24:48Z", .page = "page:eyJsYXN0X2lkIjo2fQ", .overlap = milliseconds{60'000}});
        break;
    case 2: (void)co_await c.fetch_by_ids(ids, priority::live); break;
    case 3: (void)co_await c.list_ids("page:"); break;
    case 4: {
        static const auto ops = write_ops();
        (void)co_await c.apply(ops);
        break;
    }
    case 5: (void)co_await c.check(); break;
    case 6: (void)co_await c.prepare(); break;
    default:
        // With a scratch folder the first sync and the sweep go through bulk exports: start one, and
        // follow one.
        (void)co_await c.fetch_changes({});
        (void)co_await c.list_ids("bulk:gid://shopify/BulkOperation/1");
        break;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::input in(data, size);
    const auto selector = in.byte();
    const int op = selector & 7;
    fuzz::canned_http_client http;
    http.response.status = fuzz::status_of(in.byte());
    http.response.headers = in.headers();
    http.response.body = std::string(in.rest());

    // The readers on their own, for bodies shaped like a single node.
    boost::system::error_code ec;
    auto v = boost::json::parse(http.response.body, ec);
    if (!ec && v.is_object())
        (void)shopify::customer_from_json(v.as_object());

    test::manual_clock clock;
    auto ioc = std::make_unique<asio::io_context>();
    shopify::connector_options opts{.max_share = 0.8,
                                    .scratch_dir = op == 7 ? "/nonexistent-crmsync-fuzz" : "",
                                    .writes = op == 5 || op == 6};
    shopify::shopify_connector conn(ioc->get_executor(), settings_for(selector & 8), http, clock, opts,
                                    fuzz::null_logger("shopify"));
    fuzz::run_until_idle(*ioc, call(conn, op));
    // Coroutines still waiting on the connector's request gate go before the connector does.
    ioc.reset();
    return 0;
}
