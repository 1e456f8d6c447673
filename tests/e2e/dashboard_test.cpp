// End to end (issue 6): the dashboard at "/" as a person sees it. Debian's headless Chromium loads the page
// from the real daemon (first sync running, then settled), lets its script fetch /status, and dumps the DOM
// and a screenshot into the build tree (artifacts/dashboard*.png). The numbers /status reports must be on the
// page, and no personal data may be.
#include "tests/fakes/daemon_fixture.hpp"
#include "tests/fakes/personal_data.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include <unistd.h>

using namespace crmsync;
using namespace std::chrono_literals;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// Debian's `chromium` on PATH (CRMSYNC_CHROMIUM overrides). Absent is a failure, not a skip:
// scripts/setup.sh installs it.
std::string chromium_path()
{
    if (const char* p = std::getenv("CRMSYNC_CHROMIUM"); p && *p)
        return p;
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/bin:/bin";
    for (std::size_t pos = 0; pos <= dirs.size();) {
        auto end = dirs.find(':', pos);
        auto dir = dirs.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        auto candidate = fs::path(dir.empty() ? "." : dir) / "chromium";
        if (::access(candidate.c_str(), X_OK) == 0)
            return candidate.string();
        if (end == std::string::npos)
            break;
        pos = end + 1;
    }
    return {};
}

fs::path artifacts_dir()
{
    auto dir = fs::path(CRMSYNC_BINARY_DIR) / "artifacts";
    fs::create_directories(dir);
    return dir;
}

class browser {
public:
    browser() : exe_(chromium_path()), profile_(dir_.file("chromium-profile"))
    {
        REQUIRE_MESSAGE(!exe_.empty(), "chromium is not installed (Debian package `chromium`): run scripts/setup.sh, "
                                       "or point CRMSYNC_CHROMIUM at a Chromium binary");
    }

    // The DOM after the page's script has fetched /status and rendered it (body[data-loaded]).
    std::string dom(const std::string& url)
    {
        for (int attempt = 0; attempt < 3; ++attempt) {
            auto r = run({"--dump-dom", url});
            auto begin = r.output.find("<html");
            if (r.status == 0 && begin != std::string::npos && r.output.find("data-loaded=\"1\"") != std::string::npos)
                return r.output.substr(begin);
            MESSAGE("chromium --dump-dom attempt ", attempt + 1, " gave no rendered page: ", r.output.substr(0, 2000));
        }
        FAIL("the dashboard never rendered /status in headless Chromium");
        return {};
    }

    void screenshot(const std::string& url, const fs::path& png)
    {
        fs::remove(png);
        auto r = run({"--screenshot=" + png.string(), url});
        REQUIRE_MESSAGE(r.status == 0, r.output);
        REQUIRE_MESSAGE(fs::exists(png), r.output);
        CHECK(fs::file_size(png) > 10'000); // a blank page is a few hundred bytes
    }

private:
    test::run_result run(std::vector<std::string> args)
    {
        // --no-sandbox: tests run as root in CI, where Chromium refuses its sandbox. The virtual-time budget
        // lets the page's fetch and timers run before the dump, without waiting for real time.
        std::vector<std::string> argv{exe_,
                                      "--headless",
                                      "--no-sandbox",
                                      "--disable-gpu",
                                      "--disable-dev-shm-usage",
                                      "--no-first-run",
                                      "--hide-scrollbars",
                                      "--user-data-dir=" + profile_,
                                      "--window-size=1280,1350",
                                      "--virtual-time-budget=5000"};
        argv.insert(argv.end(), args.begin(), args.end());
        return test::run_command(argv, 90s);
    }

    test::temp_dir dir_;
    std::string exe_;
    std::string profile_;
};

// The text of the element with this id (up to its first child), from a dumped DOM.
std::optional<std::string> text_of(const std::string& dom, const std::string& id)
{
    auto at = dom.find("id=\"" + id + "\"");
    if (at == std::string::npos)
        return std::nullopt;
    auto open = dom.find('>', at);
    auto close = open == std::string::npos ? open : dom.find('<', open);
    if (close == std::string::npos)
        return std::nullopt;
    return dom.substr(open + 1, close - open - 1);
}

std::string num(const json::object& o, std::string_view key) { return std::to_string(test::json_int(o, key)); }

bool settled(const json::object& s)
{
    return s.contains("links") && test::json_int(s, "pending") == 0 && test::json_int(s, "dirty") == 0 &&
           s.at("initial_sync_complete").as_bool();
}

} // namespace

TEST_CASE("dashboard: headless Chromium shows state, progress, queues, budgets and conflicts from /status, ids only")
{
    browser chrome;
    test::daemon_fixture fx;
    fx.sandbox().seed_people(600, 400, 150, 21);
    // HubSpot answers the first contact reads slowly, so the first sync is caught half way.
    fx.sandbox().hubspot().faults().add(
        {.kind = sandbox::fault_kind::stall, .remaining = 2, .path_prefix = "/crm/objects/", .delay = 6s});
    auto config = fx.write_config({.direction = "two_way", .extra_sync = "  create_in_shopify: true\n"});
    fx.start(config);
    const auto url = fmt::format("http://127.0.0.1:{}/", fx.http_port());
    const auto artifacts = artifacts_dir();

    // During the first sync: the state, and how far the CRM scan is out of how many.
    REQUIRE_MESSAGE(fx.wait_status(
                        [](const json::object& s) {
                            const auto& scan = test::json_obj(test::json_obj(s, "crm"), "initial_scan");
                            return s.at("state") == "initial_sync" && test::json_int(scan, "scanned") > 0;
                        },
                        60s),
                    fx.log());
    auto early = chrome.dom(url);
    chrome.screenshot(url, artifacts / "dashboard-first-sync.png");
    CHECK(text_of(early, "state") == "initial sync");
    auto scanned = text_of(early, "scanned");
    REQUIRE(scanned.has_value());
    CHECK(std::regex_match(*scanned, std::regex("[1-9][0-9]*")));
    CHECK(early.find("of 400") != std::string::npos); // the CRM side's scan, out of HubSpot's total

    REQUIRE_MESSAGE(fx.wait_status(settled, 180s), fx.log());
    // A conflict settled by policy, to be listed by id: the same field edited on both sides.
    json::object edited;
    for (const auto& c : fx.sandbox().shopify().list_customers()) {
        const auto& o = c.as_object();
        if (o.contains("defaultEmailAddress") && o.at("defaultEmailAddress").is_object()) {
            edited = o;
            break;
        }
    }
    const std::string email(edited.at("defaultEmailAddress").as_object().at("emailAddress").as_string());
    std::string contact_id;
    for (const auto& c : fx.sandbox().hubspot().list_contacts())
        if (c.properties.contains("email") && c.properties.at("email") == email)
            contact_id = c.id;
    REQUIRE(!contact_id.empty());
    const auto before_conflicts = test::json_int(*fx.status(), "conflicts_settled");
    REQUIRE(fx.sandbox().shopify()
                .update_customer(std::stoull(std::string(edited.at("legacyResourceId").as_string())),
                                 json::object{{"lastName", "Dashboard-Shopify"}})
                .has_value());
    REQUIRE(fx.sandbox().hubspot().edit_contact(contact_id, {{"lastname", "Dashboard-Crm"}}).has_value());
    REQUIRE_MESSAGE(fx.wait_status(
                        [&](const json::object& s) {
                            return settled(s) && test::json_int(s, "conflicts_settled") > before_conflicts;
                        },
                        60s),
                    fx.log());

    auto status = *fx.status();
    auto dom = chrome.dom(url);
    chrome.screenshot(url, artifacts / "dashboard.png");
    {
        std::ofstream(artifacts / "dashboard.html") << dom;
    }
    INFO("DOM saved in ", (artifacts / "dashboard.html").string());

    CHECK(text_of(dom, "state") == "running");
    CHECK(text_of(dom, "links") == num(status, "links"));
    CHECK(text_of(dom, "pending") == "0");
    CHECK(text_of(dom, "conflicts") == num(status, "conflicts"));
    CHECK(text_of(dom, "conflicts-settled") == num(status, "conflicts_settled"));
    CHECK(text_of(dom, "dead-letters") == num(status, "dead_letters"));
    const auto& progress = test::json_obj(status, "initial_sync");
    CHECK(text_of(dom, "scanned") == num(progress, "scanned"));
    CHECK(text_of(dom, "total") == num(progress, "total"));
    CHECK(test::json_int(progress, "total") == 1000); // 600 customers + 400 contacts were scanned
    for (const auto* side : {"shopify", "crm"})
        for (const auto* kind : {"create", "update", "delete"})
            CHECK(text_of(dom, fmt::format("queue-{}-{}", side, kind)) == "0");
    // Budgets as gauges: the capacity is fixed; what is available moves with every request.
    for (const auto* side : {"shopify", "crm"})
        for (const auto& budget : test::json_obj(status, side).at("budget").as_object()) {
            const std::string name(budget.key()); // captured by REQUIRE_MESSAGE: not a structured binding
            const auto& b = budget.value();
            auto shown = text_of(dom, fmt::format("budget-{}-{}", side, std::string(name)));
            REQUIRE_MESSAGE(shown.has_value(), name);
            auto capacity = static_cast<long>(std::lround(b.as_object().at("capacity").to_number<double>()));
            CHECK_MESSAGE(std::regex_match(*shown, std::regex(fmt::format("\\d+ / {}", capacity))), *shown);
        }
    CHECK(dom.find("<svg") != std::string::npos);
    // The newest conflict is listed by its id and field, without either value.
    const auto& conflicts = status.at("recent_conflicts").as_array();
    REQUIRE(!conflicts.empty());
    const auto newest_id = conflicts[0].as_object().at("id").as_int64();
    auto list = dom.find("id=\"conflict-list\"");
    REQUIRE(list != std::string::npos);
    CHECK(dom.substr(list, dom.find("</table>", list) - list).find(fmt::format("<td class=\"num\">{}</td>", newest_id)) !=
          std::string::npos);
    CHECK(dom.find("Dashboard-Shopify") == std::string::npos);
    CHECK(dom.find("Dashboard-Crm") == std::string::npos);
    auto leaked = test::find_any(dom, test::personal_data(fx.sandbox()));
    CHECK_MESSAGE(!leaked, "personal data on the dashboard: ", leaked.value_or(""));
}

TEST_CASE("dashboard: with http.token set, the page shows the public state and asks for the token")
{
    browser chrome;
    test::daemon_fixture fx;
    fx.sandbox().seed_people(20, 10, 5, 3);
    auto config = fx.write_config({.direction = "shopify_to_crm"});
    {
        std::ifstream in(config);
        std::string text(std::istreambuf_iterator<char>(in), {});
        auto at = text.find("\nlog:");
        REQUIRE(at != std::string::npos);
        text.insert(at, "\n  token: dashboard-test-token");
        std::ofstream(config) << text;
    }
    fx.start(config);
    REQUIRE(fx.wait_status([](const json::object& s) { return s.at("initial_sync_complete").as_bool(); }, 60s));
    auto dom = chrome.dom(fmt::format("http://127.0.0.1:{}/", fx.http_port()));
    CHECK(text_of(dom, "ready") == "yes");
    CHECK_FALSE(text_of(dom, "links").has_value());
    CHECK(dom.find("<section class=\"card wide\" id=\"auth\">") != std::string::npos); // not `hidden`
    CHECK(dom.find("dashboard-test-token") == std::string::npos);
}
