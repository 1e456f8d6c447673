#include "config/config.hpp"
#include "connectors/hubspot/settings.hpp"
#include "tests/fakes/temp_dir.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <string>

using namespace crmsync;
using namespace std::chrono_literals;

namespace {

env_lookup env_of(std::map<std::string, std::string> vars)
{
    return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
        auto it = vars.find(std::string(name));
        if (it == vars.end())
            return std::nullopt;
        return it->second;
    };
}

config_result parse(std::string_view yaml, const env_lookup& env = env_of({}))
{
    return parse_config(yaml, "test.yaml", env);
}

struct position {
    int line = 0;
    int column = 0;
};

// 1-based position of the nth occurrence of `needle` in `text`, computed independently of the loader.
position where(std::string_view text, std::string_view needle, int nth = 1)
{
    std::size_t at = std::string_view::npos;
    for (std::size_t from = 0; nth > 0; --nth, from = at + 1) {
        at = text.find(needle, from);
        REQUIRE_MESSAGE(at != std::string_view::npos, "fixture lacks '" << needle << "'");
    }
    position p{1, 1};
    for (std::size_t i = 0; i < at; ++i) {
        if (text[i] == '\n') {
            ++p.line;
            p.column = 1;
        } else {
            ++p.column;
        }
    }
    return p;
}

std::string all_errors(const config_result& r)
{
    std::string out;
    for (const auto& e : r.errors)
        out += e.to_string() + "\n";
    return out;
}

// The single error for `key_path`, checked to be at `at` and to contain `text`.
void expect_error(const config_result& r, std::string_view key_path, position at, std::string_view text)
{
    INFO("errors:\n" << all_errors(r));
    CHECK_FALSE(r.value.has_value());
    int found = 0;
    for (const auto& e : r.errors) {
        if (e.key_path != key_path)
            continue;
        ++found;
        CHECK(e.file == "test.yaml");
        CHECK(e.line == at.line);
        CHECK(e.column == at.column);
        CHECK_MESSAGE(e.message.find(text) != std::string::npos, "message: " << e.message);
    }
    CHECK_MESSAGE(found == 1, "errors for " << key_path << ": " << found);
}

constexpr std::string_view minimal = "shopify:\n"
                                     "  shop: acme.myshopify.com\n"
                                     "  access_token: shpat_x\n"
                                     "crm:\n"
                                     "  access_token: pat-x\n";

// A minimal config with `extra` appended (top-level sections or lines under the last one).
std::string with(std::string_view extra) { return std::string(minimal) + std::string(extra); }

void write_file(const std::string& path, const std::string& content)
{
    std::ofstream out(path, std::ios::binary);
    out << content;
    REQUIRE(out.good());
}

} // namespace

TEST_CASE("a config with every key parses to the expected struct")
{
    constexpr std::string_view text = R"(state:
  path: /srv/crmsync/state.db
http:
  listen: "[::1]:9090"
  token: ${HTTP_TOKEN}
log:
  level: debug
shopify:
  shop: Acme.myshopify.com
  api_version: "2026-07"
  base_url: https://proxy.example.com/shopify/
  access_token: ${SHOPIFY_TOKEN}
  client_secret: whsec-$${literal}-${SHOPIFY_SECRET}
  plan: plus
  poll_interval: 1m
  webhooks:
    path: /hooks/shopify
    public_url: https://sync.example.com/hooks/shopify
crm:
  type: hubspot
  base_url: http://127.0.0.1:9999/
  api_version: v3
  access_token: ${HUBSPOT_TOKEN}
  tier: enterprise
  poll_interval: 1500ms
sync:
  direction: crm_to_shopify
  create_in_crm: false
  create_in_shopify: true
  match_on: [email, phone]
  conflict: manual
  initial_conflict: crm_wins
  deletes: propagate
  max_changes_per_cycle: 250
  max_share: 0.5
  fields:
    - name: email
      shopify: email
      crm: email
      direction: both
      normalize: email
      conflict: shopify_wins
      propagate_empty: true
    - {name: phone, shopify: phone, crm: mobilephone, direction: to_shopify, normalize: phone}
    - {name: loyalty, shopify: tags, crm: loyalty_tier, direction: to_crm, normalize: tags}
)";
    auto r = parse(text, env_of({{"HTTP_TOKEN", "h-tok"}, {"SHOPIFY_TOKEN", "shpat_1"}, {"SHOPIFY_SECRET", "s"},
                                 {"HUBSPOT_TOKEN", "pat-1"}}));
    INFO(all_errors(r));
    REQUIRE(r.value);
    const config& c = *r.value;
    CHECK(c.source == "test.yaml");
    CHECK(c.state.path == "/srv/crmsync/state.db");
    CHECK(c.http.listen == "[::1]:9090");
    CHECK(c.http.host == "::1");
    CHECK(c.http.port == 9090);
    CHECK(c.http.token == "h-tok");
    CHECK(c.log.level == log_level::debug);

    CHECK(c.shopify.shop == "acme.myshopify.com");
    CHECK(c.shopify.api_version == "2026-07");
    CHECK(c.shopify.base_url == "https://proxy.example.com/shopify");
    CHECK(c.shopify.access_token == "shpat_1");
    CHECK(c.shopify.client_id.empty());
    CHECK(c.shopify.client_secret == "whsec-${literal}-s");
    CHECK(c.shopify.plan_hint == shopify::plan::plus);
    CHECK(c.shopify.poll_interval == 60s);
    CHECK(c.shopify.webhooks.path == "/hooks/shopify");
    CHECK(c.shopify.webhooks.public_url == "https://sync.example.com/hooks/shopify");

    CHECK(c.crm.type == "hubspot");
    const auto& hs = std::get<hubspot::settings>(c.crm.settings);
    CHECK(hs.base_url == "http://127.0.0.1:9999");
    CHECK(hs.api_version == "v3");
    CHECK(hs.access_token == "pat-1");
    CHECK(hs.tier_hint == hubspot::tier::enterprise);
    CHECK(hs.poll_interval == 1500ms);

    const sync_settings& s = c.sync;
    CHECK(s.direction == sync_direction::crm_to_shopify);
    CHECK_FALSE(s.create_in_crm);
    CHECK(s.create_in_shopify);
    CHECK(s.match_on == std::vector<std::string>{"email", "phone"});
    CHECK(s.conflict == conflict_policy::manual);
    CHECK(s.initial_conflict == conflict_policy::crm_wins);
    CHECK(s.deletes == delete_policy::propagate);
    CHECK(s.max_changes_per_cycle == 250);
    CHECK(s.max_share == 0.5);
    REQUIRE(s.fields.size() == 3);
    CHECK(s.fields[0].name == "email");
    CHECK(s.fields[0].conflict == conflict_policy::shopify_wins);
    CHECK(s.fields[0].propagate_empty);
    CHECK(s.fields[0].normalize == normalizer::email);
    CHECK(s.fields[1].crm == "mobilephone");
    CHECK(s.fields[1].direction == field_direction::to_shopify);
    CHECK_FALSE(s.fields[1].conflict);
    CHECK_FALSE(s.fields[1].propagate_empty);
    CHECK(s.fields[2].crm == "loyalty_tier"); // a custom HubSpot property
    CHECK(s.fields[2].normalize == normalizer::tags);
}

TEST_CASE("a minimal config gets the documented defaults and the default mapping")
{
    auto r = parse(minimal);
    INFO(all_errors(r));
    REQUIRE(r.value);
    const config& c = *r.value;
    CHECK(c.state.path == "/var/lib/crmsync/state.db");
    CHECK(c.http.host == "127.0.0.1");
    CHECK(c.http.port == 8787);
    CHECK(c.http.token.empty());
    CHECK(c.log.level == log_level::info);
    CHECK(c.shopify.api_version == "2026-10");
    CHECK(c.shopify.base_url == "https://acme.myshopify.com");
    CHECK(c.shopify.plan_hint == shopify::plan::standard);
    CHECK(c.shopify.poll_interval == 30s);
    CHECK(c.shopify.webhooks.path == "/webhooks/shopify");
    CHECK(c.shopify.webhooks.public_url.empty());
    CHECK(c.crm.type == "hubspot");
    const auto& hs = std::get<hubspot::settings>(c.crm.settings);
    CHECK(hs.base_url == "https://api.hubapi.com");
    CHECK(hs.api_version == "2026-09");
    CHECK(hs.tier_hint == hubspot::tier::starter);
    CHECK(c.sync.direction == sync_direction::two_way);
    CHECK(c.sync.match_on == std::vector<std::string>{"email"});
    CHECK(c.sync.max_changes_per_cycle == 10'000);
    CHECK(c.sync.max_share == 0.8);

    // The shipped mapping (config/default_fields.yaml, design.md §7.2).
    REQUIRE(c.sync.fields.size() == 16);
    CHECK(c.sync.fields[0].name == "email");
    CHECK(c.sync.fields[0].normalize == normalizer::email);
    CHECK(c.sync.fields[5].shopify == "defaultAddress.address1");
    CHECK(c.sync.fields[5].crm == "address");
    int to_crm = 0;
    for (const auto& f : c.sync.fields)
        to_crm += f.direction == field_direction::to_crm;
    CHECK(to_crm == 6);
    CHECK(c.sync.fields[10].crm == "shopify_customer_id");
    CHECK(c.sync.fields[10].shopify == "id");

    // `fields: default` is the same as leaving it out.
    auto explicit_default = parse(with("sync:\n  fields: default\n"));
    REQUIRE(explicit_default.value);
    CHECK(explicit_default.value->sync.fields.size() == 16);
}

TEST_CASE("the shipped example and demo configs load")
{
    auto example = load_config(CRMSYNC_SOURCE_DIR "/config/crmsync.example.yaml",
                               env_of({{"CRMSYNC_HTTP_TOKEN", "t"}, {"SHOPIFY_ACCESS_TOKEN", "shpat_t"},
                                       {"SHOPIFY_CLIENT_SECRET", "s"}, {"HUBSPOT_ACCESS_TOKEN", "pat-t"}}));
    INFO(all_errors(example));
    REQUIRE(example.value);
    CHECK(example.value->shopify.shop == "acme.myshopify.com");
    CHECK(example.value->shopify.webhooks.public_url == "https://sync.example.com/webhooks/shopify");
    CHECK(example.value->sync.fields.size() == 16);

    // The demo needs no environment at all.
    auto demo = load_config(CRMSYNC_SOURCE_DIR "/config/demo.yaml", env_of({}));
    INFO(all_errors(demo));
    REQUIRE(demo.value);
    const config& d = *demo.value;
    CHECK(d.state.path == "./demo-state/state.db");
    CHECK(d.http.port == 8787);
    CHECK(d.shopify.base_url == "http://127.0.0.1:8781");
    CHECK(d.shopify.access_token == "shpat_sandbox_demo");
    CHECK(d.shopify.client_secret == "sandbox_demo_secret");
    CHECK(d.shopify.poll_interval == 2s);
    CHECK(std::get<hubspot::settings>(d.crm.settings).base_url == "http://127.0.0.1:8782");
    CHECK(std::get<hubspot::settings>(d.crm.settings).poll_interval == 2s);
    CHECK(d.sync.direction == sync_direction::shopify_to_crm);
}

TEST_CASE("errors are FILE:LINE:COL: key.path: message")
{
    const std::string text = with("sttae:\n  path: x\n");
    auto r = parse(text);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].to_string() == "test.yaml:6:1: sttae: unknown key 'sttae' (did you mean 'state'?)");
    CHECK(config_error{"f.yaml", 0, 0, "", "cannot read"}.to_string() == "f.yaml: cannot read");
}

TEST_CASE("unknown keys are reported at the key, nested ones with their full path")
{
    const std::string text = "shopify:\n"
                             "  shop: acme.myshopify.com\n"
                             "  access_token: t\n"
                             "  polll_interval: 5s\n"
                             "  webhooks:\n"
                             "    path: /hooks\n"
                             "    x: 1\n"
                             "crm:\n"
                             "  access_token: t\n"
                             "sync:\n"
                             "  fields:\n"
                             "    - {name: email, shopify: email, crm: email, normalise: email}\n";
    auto r = parse(text);
    expect_error(r, "shopify.polll_interval", {4, 3}, "unknown key 'polll_interval' (did you mean 'poll_interval'?)");
    expect_error(r, "shopify.webhooks.x", {7, 5}, "unknown key 'x'");
    expect_error(r, "sync.fields[0].normalise", where(text, "normalise"), "did you mean 'normalize'?");
    CHECK(r.errors.size() == 3);
}

TEST_CASE("wrong types name what was expected and what was found")
{
    const std::string text = with("  tier: [free]\n"
                                  "http:\n"
                                  "  token:\n"
                                  "sync:\n"
                                  "  create_in_crm: \"yes\"\n"
                                  "  max_changes_per_cycle: lots\n"
                                  "  match_on: email\n"
                                  "log: debug\n");
    auto r = parse(text);
    expect_error(r, "crm.tier", where(text, "[free]"), "found a list");
    expect_error(r, "http.token", where(text, "token:\n"), "expected a string, found an empty value");
    expect_error(r, "sync.create_in_crm", where(text, "\"yes\""), "expected true or false, found the quoted string 'yes'");
    expect_error(r, "sync.max_changes_per_cycle", where(text, "lots"), "expected an integer, found 'lots'");
    expect_error(r, "sync.match_on", where(text, "email"), "expected a list of strings, found 'email'");
    expect_error(r, "log", where(text, "debug"), "expected a mapping, found 'debug'");
    CHECK(r.errors.size() == 6);
}

TEST_CASE("${VAR} expands from the injected environment - a missing variable names key and variable")
{
    const std::string text = "shopify:\n"
                             "  shop: ${SHOP_NAME}.myshopify.com\n"
                             "  access_token: ${SHOPIFY_TOKEN}\n"
                             "crm:\n"
                             "  access_token: ${HUBSPOT_TOKEN}\n";
    auto ok = parse(text, env_of({{"SHOP_NAME", "acme"}, {"SHOPIFY_TOKEN", "a"}, {"HUBSPOT_TOKEN", "b"}}));
    REQUIRE(ok.value);
    CHECK(ok.value->shopify.shop == "acme.myshopify.com");

    auto r = parse(text, env_of({{"SHOP_NAME", "acme"}, {"HUBSPOT_TOKEN", "b"}}));
    expect_error(r, "shopify.access_token", where(text, "${SHOPIFY_TOKEN}"),
                 "environment variable SHOPIFY_TOKEN is not set");
    CHECK(r.errors.size() == 1);

    auto broken = parse(with("state:\n  path: ${STATE_DIR/state.db\n"));
    expect_error(broken, "state.path", {7, 9}, "unterminated '${'");
}

TEST_CASE("durations need a unit and poll intervals stay within 1s..24h")
{
    const std::string text = with("  poll_interval: 30\n"
                                  "state:\n  path: s.db\n"); // the crm section ends before "state:"
    expect_error(parse(text), "crm.poll_interval", where(text, "30"), "a unit is required (ms, s, m or h), e.g. 30s");

    const std::string fast = with("  poll_interval: 500ms\n");
    expect_error(parse(fast), "crm.poll_interval", where(fast, "500ms"), "must be between 1s and 24h, found 500ms");

    const std::string odd = with("  poll_interval: 5 min\n");
    expect_error(parse(odd), "crm.poll_interval", where(odd, "5 min"), "250ms, 30s, 5m, 1h");
}

TEST_CASE("URLs must parse, and plain http is only for loopback hosts")
{
    const std::string text = "shopify:\n"
                             "  shop: acme.myshopify.com\n"
                             "  base_url: not a url\n"
                             "  access_token: t\n"
                             "  webhooks:\n"
                             "    public_url: ftp://example.com/hooks\n"
                             "  client_secret: s\n"
                             "crm:\n"
                             "  base_url: http://api.hubapi.com\n"
                             "  access_token: t\n";
    auto r = parse(text);
    expect_error(r, "shopify.base_url", {3, 13}, "invalid URL 'not a url'");
    expect_error(r, "shopify.webhooks.public_url", {6, 17}, "unsupported scheme 'ftp'");
    expect_error(r, "crm.base_url", {9, 13}, "plain http:// is only allowed for loopback hosts");
    CHECK(r.errors.size() == 3);

    auto loopback = parse(with("  base_url: http://localhost:8782\n"));
    CHECK(loopback.value);
}

TEST_CASE("enumerations list their choices")
{
    const std::string text = with("  tier: enterprize\n"
                                  "sync:\n"
                                  "  deletes: purge\n"
                                  "log:\n"
                                  "  level: verbose\n");
    auto r = parse(text);
    expect_error(r, "crm.tier", where(text, "enterprize"),
                 "invalid value 'enterprize'; expected 'free', 'starter', 'professional' or 'enterprise' "
                 "(did you mean 'enterprise'?)");
    expect_error(r, "sync.deletes", where(text, "purge"), "expected 'keep' or 'propagate'");
    expect_error(r, "log.level", where(text, "verbose"), "'trace', 'debug', 'info', 'warn' or 'error'");
    CHECK(r.errors.size() == 3);

    const std::string abbreviated = with("  tier: pro\n");
    expect_error(parse(abbreviated), "crm.tier", where(abbreviated, "pro"), "(did you mean 'professional'?)");

    const std::string crm_type = "shopify:\n  shop: a.myshopify.com\n  access_token: t\n"
                                 "crm:\n  type: hubspt\n  instance: x\n";
    auto t = parse(crm_type);
    expect_error(t, "crm.type", where(crm_type, "hubspt"), "registered types: 'hubspot' (did you mean 'hubspot'?)");
    CHECK(t.errors.size() == 1); // the unknown connector's own keys are not second-guessed
}

TEST_CASE("missing required keys are reported at the mapping that lacks them")
{
    const std::string text = "shopify:\n"
                             "  api_version: \"2026-05\"\n"
                             "crm:\n"
                             "  tier: free\n";
    auto r = parse(text);
    expect_error(r, "shopify.shop", {1, 1}, "missing required key 'shop'");
    expect_error(r, "shopify.access_token", {1, 1}, "missing credentials");
    expect_error(r, "shopify.api_version", {2, 16}, "month 01, 04, 07 or 10");
    expect_error(r, "crm.access_token", {3, 1}, "missing required key 'access_token'");
    CHECK(r.errors.size() == 4);

    auto no_sections = parse("log:\n  level: info\n");
    expect_error(no_sections, "shopify", {1, 1}, "missing required section 'shopify'");
    expect_error(no_sections, "crm", {1, 1}, "missing required section 'crm'");

    const std::string grant = "shopify:\n  shop: acme.myshopify.com\n  client_id: abc\n"
                              "  webhooks:\n    public_url: https://x.example.com/h\ncrm:\n  access_token: t\n";
    auto g = parse(grant);
    expect_error(g, "shopify.client_secret", {1, 1}, "client_id needs it");
    CHECK(g.errors.size() == 1);

    const std::string hooks = "shopify:\n  shop: acme.myshopify.com\n  access_token: t\n"
                              "  webhooks:\n    public_url: https://x.example.com/h\ncrm:\n  access_token: t\n";
    expect_error(parse(hooks), "shopify.client_secret", {1, 1}, "webhook signatures");

    auto bad_shop = parse("shopify:\n  shop: acme\n  access_token: t\ncrm:\n  access_token: t\n");
    expect_error(bad_shop, "shopify.shop", {2, 9}, "(did you mean 'acme.myshopify.com'?)");
}

TEST_CASE("secrets come from *_file, with ${CREDENTIALS_DIRECTORY} - both forms at once are an error")
{
    test::temp_dir dir;
    write_file(dir.file("shopify-token"), "shpat_from_file\n");
    write_file(dir.file("hubspot-token"), "pat-from-file");
    write_file(dir.file("grant-secret"), "line1\nline2\n\n");
    const std::string text = "shopify:\n"
                             "  shop: acme.myshopify.com\n"
                             "  access_token_file: ${CREDENTIALS_DIRECTORY}/shopify-token\n"
                             "crm:\n"
                             "  access_token_file: " + dir.file("hubspot-token") + "\n";
    auto r = parse(text, env_of({{"CREDENTIALS_DIRECTORY", dir.path().string()}}));
    INFO(all_errors(r));
    REQUIRE(r.value);
    CHECK(r.value->shopify.access_token == "shpat_from_file");
    CHECK(std::get<hubspot::settings>(r.value->crm.settings).access_token == "pat-from-file");

    // Only one trailing newline is trimmed; the content is otherwise the secret, as is.
    const std::string grant = "shopify:\n  shop: acme.myshopify.com\n  client_id: app\n"
                              "  client_secret_file: " + dir.file("grant-secret") + "\n"
                              "crm:\n  access_token: t\n";
    auto g = parse(grant);
    REQUIRE(g.value);
    CHECK(g.value->shopify.client_id == "app");
    CHECK(g.value->shopify.client_secret == "line1\nline2\n");

    const std::string both = "shopify:\n"
                             "  shop: acme.myshopify.com\n"
                             "  access_token: t\n"
                             "  access_token_file: /run/credentials/x\n"
                             "crm:\n"
                             "  access_token_file: /nonexistent/crmsync-token\n";
    auto b = parse(both);
    expect_error(b, "shopify.access_token_file", {4, 22}, "set either 'access_token' or 'access_token_file', not both");
    expect_error(b, "crm.access_token_file", {6, 22},
                 "cannot read secret file '/nonexistent/crmsync-token': No such file or directory");
    CHECK(b.errors.size() == 2);
}

TEST_CASE("field mappings are checked against both catalogs")
{
    const std::string text = with("sync:\n"
                                  "  match_on: [email, phone]\n"
                                  "  fields:\n"
                                  "    - {name: email, shopify: emial, crm: email, normalize: email}\n"
                                  "    - {name: orders, shopify: numberOfOrders, crm: shopify_orders_count}\n"
                                  "    - {name: email, shopify: firstName, crm: firstname}\n"
                                  "    - {name: record, shopify: note, crm: hs_object_id, direction: to_crm}\n"
                                  "    - {name: Last, shopify: lastName, crm: hs_secret}\n"
                                  "    - {name: city, shopify: defaultAddress.city, crm: firstname}\n");
    auto r = parse(text);
    expect_error(r, "sync.fields[0].shopify", where(text, "emial"), "unknown Shopify field 'emial' (did you mean 'email'?)");
    expect_error(r, "sync.fields[1].shopify", where(text, "numberOfOrders"),
                 "Shopify field 'numberOfOrders' is read-only, but direction 'both' writes to it");
    expect_error(r, "sync.fields[2].name", where(text, "email", 5), "duplicate field name 'email' (also sync.fields[0])");
    expect_error(r, "sync.fields[3].crm", where(text, "hs_object_id"), "hubspot field 'hs_object_id' is read-only");
    expect_error(r, "sync.fields[4].name", where(text, "Last"), "invalid field name 'Last'");
    expect_error(r, "sync.fields[4].crm", where(text, "hs_secret"), "unknown hubspot field 'hs_secret'");
    expect_error(r, "sync.fields[5].crm", where(text, "firstname", 2),
                 "hubspot field 'firstname' is already written by sync.fields[2]");
    CHECK(r.errors.size() == 7);

    const std::string unmatched = with("sync:\n"
                                       "  match_on: [email, phone]\n"
                                       "  fields:\n"
                                       "    - {name: email, shopify: email, crm: email, normalize: email}\n");
    expect_error(parse(unmatched), "sync.match_on", where(unmatched, "[email"),
                 "matching on 'phone' needs a field named 'phone'");

    const std::string twice = with("sync:\n  match_on: [email, email]\n  max_share: 1.5\n  fields: []\n");
    auto t = parse(twice);
    expect_error(t, "sync.match_on", where(twice, "[email"), "'email' is listed twice");
    expect_error(t, "sync.max_share", where(twice, "1.5"), "must be between 0 and 1, found 1.5");
    expect_error(t, "sync.fields", where(twice, "[]"), "the field list is empty");
}

TEST_CASE("http.listen takes IPv4, [IPv6] or localhost with a port")
{
    auto local = parse(with("http:\n  listen: localhost:0\n"));
    REQUIRE(local.value);
    CHECK(local.value->http.host == "127.0.0.1");
    CHECK(local.value->http.port == 0);

    for (std::string_view bad : {"127.0.0.1", "example.com:80", "127.0.0.1:70000", "::1:80", "0.0.0.0:http"}) {
        CAPTURE(bad);
        const std::string text = with("http:\n  listen: \"" + std::string(bad) + "\"\n");
        expect_error(parse(text), "http.listen", {7, 11}, "invalid listen address");
    }
}

TEST_CASE("YAML syntax errors and duplicate keys are reported with their position")
{
    auto r = parse("shopify:\n  shop: [acme\ncrm:\n  access_token: t\n");
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].line == 3); // where the unclosed flow sequence is found to be broken
    CHECK(r.errors[0].column == 4);
    CHECK(r.errors[0].message.find("YAML syntax error") == 0);
    CHECK_FALSE(r.value);

    auto indent = parse("shopify:\n  shop: a\n   access_token: t\n");
    REQUIRE(indent.errors.size() == 1);
    CHECK(indent.errors[0].line == 3);
    CHECK(indent.errors[0].column == 16);

    // yaml-cpp's LoadAll never returns on this input; the loader must report it instead.
    auto comma = parse("# a config\n, shop: x\n");
    REQUIRE(comma.errors.size() == 1);
    CHECK(comma.errors[0].to_string() == "test.yaml:2:1: YAML syntax error: unexpected ','");

    auto two = parse(with("---\nlog: {}\n"));
    REQUIRE(two.errors.size() == 1);
    CHECK(two.errors[0].line == 6);
    CHECK(two.errors[0].message.find("more than one YAML document") == 0);

    const std::string dup = with("  access_token: again\n");
    expect_error(parse(dup), "crm.access_token", {6, 3}, "duplicate key 'access_token' (first given on line 5)");

    auto empty = parse("# nothing yet\n");
    REQUIRE(empty.errors.size() == 1);
    CHECK(empty.errors[0].message.find("expected a mapping of sections") == 0);
}

TEST_CASE("one file with several errors reports all of them, in file order")
{
    const std::string text = "state:\n"
                             "  path: \"\"\n"
                             "shopify:\n"
                             "  shop: acme.myshopify.com\n"
                             "  access_token: ${MISSING}\n"
                             "  plan: gold\n"
                             "crm:\n"
                             "  access_token: t\n"
                             "  poll_interval: 1d\n"
                             "sync:\n"
                             "  max_changes_per_cycle: 0\n"
                             "extra: true\n";
    auto r = parse(text);
    REQUIRE(r.errors.size() == 6);
    CHECK_FALSE(r.value);
    std::vector<std::string> lines;
    for (const auto& e : r.errors)
        lines.push_back(e.to_string());
    CHECK(lines[0] == "test.yaml:2:9: state.path: must not be empty");
    CHECK(lines[1] == "test.yaml:5:17: shopify.access_token: environment variable MISSING is not set");
    CHECK(lines[2].starts_with("test.yaml:6:9: shopify.plan: invalid value 'gold'"));
    CHECK(lines[3].starts_with("test.yaml:9:18: crm.poll_interval: invalid duration '1d': unknown unit 'd'"));
    CHECK(lines[4] == "test.yaml:11:26: sync.max_changes_per_cycle: must be at least 1, found 0");
    CHECK(lines[5] == "test.yaml:12:1: extra: unknown key 'extra'");
}

TEST_CASE("load_config reports an unreadable file as an error, not an exception")
{
    auto r = load_config("/nonexistent/crmsync.yaml", env_of({}));
    CHECK_FALSE(r.value);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].file == "/nonexistent/crmsync.yaml");
    CHECK(r.errors[0].to_string() ==
          "/nonexistent/crmsync.yaml: cannot read the configuration file: No such file or directory");
}

TEST_CASE("the connectors' catalogs and pacing tables")
{
    CHECK(shopify::catalog().writable("firstName") == true);
    CHECK(shopify::catalog().writable("amountSpent") == false);
    CHECK_FALSE(shopify::catalog().writable("firstname"));
    CHECK(hubspot::catalog().writable("shopify_total_spent") == true);
    CHECK(hubspot::catalog().writable("loyalty_points") == true);
    CHECK(hubspot::catalog().writable("lastmodifieddate") == false);
    CHECK_FALSE(hubspot::catalog().writable("hs_anything"));
    CHECK_FALSE(hubspot::catalog().writable("Bad-Name"));
    CHECK(shopify::restore_rate_for(shopify::plan::advanced) == 200);
    CHECK(shopify::bucket_size_for(shopify::plan::plus) == 20'000);
    CHECK(hubspot::window_limit_for(hubspot::tier::professional) == 190);
    CHECK(hubspot::daily_limit_for(hubspot::tier::enterprise) == 1'000'000);
    CHECK(to_string(log_level::warn) == "warn");
}
