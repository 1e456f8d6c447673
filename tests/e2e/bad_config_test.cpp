// End to end: bad configurations make `check-config` and `run` exit 78 with FILE:LINE:COL: key.path.
#include "tests/fakes/process.hpp"
#include "tests/fakes/temp_dir.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <fstream>

using namespace crmsync;

namespace {

// A valid base; each case replaces one line.
const std::string base = R"(state:
  path: {dir}/state.db
http:
  listen: 127.0.0.1:0
shopify:
  shop: acme.myshopify.com
  access_token: ${{SHOPIFY_TOKEN}}
  poll_interval: 30s
crm:
  type: hubspot
  base_url: https://api.hubapi.com
  access_token: pat-na1-x
sync:
  direction: shopify_to_crm
)";

std::string write(const test::temp_dir& dir, const std::string& name, const std::string& text)
{
    auto path = dir.file(name);
    std::ofstream(path) << text;
    return path;
}

std::string replace(std::string text, const std::string& from, const std::string& to)
{
    auto pos = text.find(from);
    REQUIRE(pos != std::string::npos);
    return text.replace(pos, from.size(), to);
}

} // namespace

TEST_CASE("check-config accepts a valid file and rejects each kind of mistake with exit 78")
{
    test::temp_dir dir;
    const std::string good = fmt::format(fmt::runtime(base), fmt::arg("dir", dir.path().string()));
    std::map<std::string, std::string> env{{"SHOPIFY_TOKEN", "shpat_x"}};
    auto ok = test::run_command({test::binary_path("crmsyncd"), "check-config", "--config", write(dir, "good.yaml", good)},
                                std::chrono::seconds{30}, env);
    CHECK_MESSAGE(ok.status == 0, ok.output);

    struct bad_case {
        std::string name;
        std::string from, to;
        std::string expect; // "LINE:COL: key.path"
        std::map<std::string, std::string> env;
    };
    std::vector<bad_case> cases{
        {"unknown key", "  poll_interval: 30s", "  polll_interval: 30s", ":8:3: shopify.polll_interval", env},
        {"wrong type", "  poll_interval: 30s", "  poll_interval: [30s]", ":8:18: shopify.poll_interval", env},
        {"missing secret variable", "  poll_interval: 30s", "  poll_interval: 30s", ":7:17: shopify.access_token", {}},
        {"bad duration", "  poll_interval: 30s", "  poll_interval: 30 seconds", ":8:18: shopify.poll_interval", env},
        {"bad URL", "  base_url: https://api.hubapi.com", "  base_url: api.hubapi.com", ":11:13: crm.base_url", env},
        {"insecure URL", "  base_url: https://api.hubapi.com", "  base_url: http://api.hubapi.com", ":11:13: crm.base_url",
         env},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        auto path = write(dir, "bad.yaml", replace(good, c.from, c.to));
        auto r = test::run_command({test::binary_path("crmsyncd"), "check-config", "--config", path},
                                   std::chrono::seconds{30}, c.env);
        CHECK(r.status == 78);
        CHECK_MESSAGE(r.output.find(path + c.expect) != std::string::npos, r.output);
        // `run` refuses the same file the same way, without starting.
        auto run = test::run_command({test::binary_path("crmsyncd"), "run", "--config", path}, std::chrono::seconds{30},
                                     c.env);
        CHECK(run.status == 78);
        CHECK(run.output.find(path + c.expect) != std::string::npos);
    }
}

TEST_CASE("every error in a file is reported at once - usage errors exit 64")
{
    test::temp_dir dir;
    auto text = fmt::format(fmt::runtime(base), fmt::arg("dir", dir.path().string()));
    text = replace(text, "  poll_interval: 30s", "  poll_interval: soon\n  colour: blue");
    text = replace(text, "  direction: shopify_to_crm", "  direction: sideways");
    auto path = write(dir, "many.yaml", text);
    auto r = test::run_command({test::binary_path("crmsyncd"), "check-config", "--config", path});
    CHECK(r.status == 78);
    CHECK(r.output.find("shopify.poll_interval") != std::string::npos);
    CHECK(r.output.find("shopify.colour") != std::string::npos);
    CHECK(r.output.find("sync.direction") != std::string::npos);
    CHECK(r.output.find("shopify.access_token") != std::string::npos); // SHOPIFY_TOKEN is not set

    CHECK(test::run_command({test::binary_path("crmsyncd"), "run", "--config", path, "--frobnicate"}).status == 64);
    CHECK(test::run_command({test::binary_path("crmsyncd"), "frobnicate"}).status == 64);
    CHECK(test::run_command({test::binary_path("crmsyncd"), "check-config", "--config", dir.file("missing.yaml")}).status ==
          78);
    auto help = test::run_command({test::binary_path("crmsyncd"), "--help"});
    CHECK(help.status == 0);
    CHECK(help.output.find("hubspot") != std::string::npos); // registered connectors are listed
}
