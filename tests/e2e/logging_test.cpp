// End to end (issue 6): what the daemon writes to stderr. A full two-way sync with faults, person edits,
// conflicts and an e-mail HubSpot refuses (its error quotes the address) is logged first at `info` and then,
// after a restart, at `debug`; the captured log never holds a token or secret from the config, and no line at
// info or above holds an e-mail address, phone number, street address or full name of any person the
// sandbox knows (design.md §5: personal data may appear at debug and below only). Under systemd
// ($JOURNAL_STREAM naming stderr) lines carry journald priorities instead of timestamps.
#include "tests/fakes/daemon_fixture.hpp"
#include "tests/fakes/http_fetch.hpp"
#include "tests/fakes/personal_data.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <csignal>

#include <sys/stat.h>

using namespace crmsync;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const std::vector<std::string> secrets{"shpat_e2e", "e2e_secret", "pat-na1-e2e"}; // daemon_fixture's config

// The fixture writes `level: debug`; the level under test replaces it.
void set_log_level(const std::string& config, const std::string& level)
{
    std::ifstream in(config);
    std::string text(std::istreambuf_iterator<char>(in), {});
    text = std::regex_replace(text, std::regex("\nlog:\n  level: [a-z]+\n"), "\nlog:\n  level: " + level + "\n");
    REQUIRE(text.find("  level: " + level + "\n") != std::string::npos);
    std::ofstream(config) << text;
}

struct log_line {
    std::string level; // as printed: trace, debug, info, warning, error, critical
    std::string text;
};

// Readable lines: "2026-11-26T13:51:07.355 info  [engine] ...". A line without that prefix continues the
// previous one (a message with a newline) and keeps its level.
std::vector<log_line> parse_log(const std::string& log)
{
    static const std::regex prefix(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} (trace|debug|info|warning|error|critical) *\[)");
    std::vector<log_line> out;
    std::istringstream in(log);
    std::string line;
    while (std::getline(in, line)) {
        std::smatch m;
        if (std::regex_search(line, m, prefix))
            out.push_back({m[1].str(), line});
        else if (!out.empty())
            out.back().text += "\n" + line;
        else
            out.push_back({"info", line}); // anything before the first line counts as info
    }
    return out;
}

bool at_info_or_above(const log_line& l) { return l.level != "debug" && l.level != "trace"; }

bool settled(const json::object& s)
{
    return s.contains("links") && test::json_int(s, "pending") == 0 && test::json_int(s, "dirty") == 0 &&
           s.at("initial_sync_complete").as_bool();
}

std::string str(const json::value* v) { return v && v->is_string() ? std::string(v->as_string()) : std::string(); }

// Checks one run's log; returns how many lines it had at each level.
std::map<std::string, int> check_log(const std::string& log, const std::vector<std::string>& personal)
{
    std::map<std::string, int> levels;
    for (const auto& l : parse_log(log)) {
        ++levels[l.level];
        for (const auto& s : secrets)
            CHECK_MESSAGE(l.text.find(s) == std::string::npos, "a secret in the log: ", l.text);
        if (at_info_or_above(l)) {
            auto leaked = test::find_any(l.text, personal);
            CHECK_MESSAGE(!leaked, "personal data (", leaked.value_or(""), ") at ", l.level, ": ", l.text);
        }
    }
    return levels;
}

} // namespace

TEST_CASE("logging: a two-way sync with faults, edits, conflicts and a refused e-mail logs no secret or personal data")
{
    test::daemon_fixture fx;
    auto& shop = fx.sandbox().shopify();
    auto& hs = fx.sandbox().hubspot();
    fx.sandbox().seed_people(150, 100, 40, 17);
    // Shopify takes this address, HubSpot refuses it and quotes it in its error ("Email address ... is invalid").
    auto leaky = shop.create_customer(json::object{{"firstName", "Leaky"},
                                                   {"lastName", "Persona"},
                                                   {"email", "leaky persona@example.com"},
                                                   {"phone", "+16135559876"}});
    REQUIRE_MESSAGE(leaky.has_value(), leaky.error());
    auto personal = test::personal_data(fx.sandbox());
    REQUIRE(personal.size() > 200);
    REQUIRE(std::find(personal.begin(), personal.end(), "leaky persona@example.com") != personal.end());

    // Errors of every kind, on both sides, some after the write was applied.
    hs.faults().add({.kind = sandbox::fault_kind::http_429, .remaining = 2, .path_prefix = "/crm/objects/",
                     .retry_after = 200ms});
    hs.faults().add({.kind = sandbox::fault_kind::http_500, .remaining = 1, .path_prefix = "/crm/objects/"});
    hs.faults().add({.kind = sandbox::fault_kind::apply_then_fail, .remaining = 1, .writes_only = true});
    hs.faults().add({.kind = sandbox::fault_kind::malformed_json, .remaining = 1, .writes_only = true});
    shop.faults().add({.kind = sandbox::fault_kind::throttled, .remaining = 1, .path_prefix = "/admin/api/"});
    shop.faults().add({.kind = sandbox::fault_kind::http_502, .remaining = 1, .path_prefix = "/admin/api/"});
    shop.faults().add({.kind = sandbox::fault_kind::apply_then_fail, .remaining = 1, .writes_only = true});

    auto config = fx.write_config({.direction = "two_way",
                                   .extra_sync = "  create_in_shopify: true\n  conflict: newest_wins\n"});
    set_log_level(config, "info");
    fx.start(config);
    REQUIRE_MESSAGE(fx.wait_status(settled, 120s), fx.log());

    // Person edits on both sides, one field on both (a settled conflict), an e-mail change.
    std::vector<json::object> customers;
    for (const auto& c : shop.list_customers())
        customers.push_back(c.as_object());
    auto contact_of = [&](const json::object& c) {
        auto email = str(c.at("defaultEmailAddress").as_object().if_contains("emailAddress"));
        for (const auto& k : hs.list_contacts())
            if (k.properties.contains("email") && k.properties.at("email") == email)
                return k.id;
        return std::string();
    };
    auto id_of = [](const json::object& c) { return std::stoull(str(c.if_contains("legacyResourceId"))); };
    const auto& a = customers.at(3);
    const auto& b = customers.at(7);
    const auto b_contact = contact_of(b);
    REQUIRE(!b_contact.empty());
    REQUIRE(shop.update_customer(id_of(a), json::object{{"firstName", "Edited-First"}, {"email", "moved.address@example.com"}})
                .has_value());
    REQUIRE(shop.update_customer(id_of(b), json::object{{"lastName", "Shopify-Side"}}).has_value());
    REQUIRE(hs.edit_contact(b_contact, {{"lastname", "Crm-Side"}, {"phone", "+16135554321"}}).has_value());
    REQUIRE_MESSAGE(test::wait_until(
                        [&] {
                            for (const auto& k : hs.list_contacts())
                                if (k.properties.contains("email") && k.properties.at("email") == "moved.address@example.com")
                                    return true;
                            return false;
                        },
                        60s),
                    fx.log());
    REQUIRE(fx.wait_status(settled, 60s));
    // HubSpot's refusal of the address was logged, redacted.
    REQUIRE_MESSAGE(test::wait_until([&] { return fx.log().find("is invalid") != std::string::npos; }, 60s), fx.log());
    CHECK(fx.stop() == 0);
    const auto info_log = fx.log();

    // Again at debug, after a restart, with one more edit.
    set_log_level(config, "debug");
    fx.start(config);
    REQUIRE(shop.update_customer(id_of(customers.at(11)), json::object{{"lastName", "Debug-Run"}}).has_value());
    REQUIRE_MESSAGE(fx.wait_status([](const json::object& s) { return settled(s) && test::json_int(s, "uptime_s") >= 3; },
                                   60s),
                    fx.log());
    CHECK(fx.stop() == 0);
    const auto debug_log = fx.log().substr(info_log.size());

    // Everything any side held at any time counts.
    for (const auto& p : test::personal_data(fx.sandbox()))
        personal.push_back(p);
    for (const std::string extra : {"edited-first", "shopify-side", "crm-side", "debug-run"})
        personal.push_back(extra);

    INFO("info run:\n", info_log.substr(0, 20000));
    auto info_levels = check_log(info_log, personal);
    CHECK(info_levels["debug"] == 0);
    CHECK(info_levels["info"] > 5);
    CHECK(info_levels["warning"] > 0); // the faults were noticed
    CHECK(info_log.find("<email>") != std::string::npos); // and a message quoting an address was masked

    auto debug_levels = check_log(debug_log, personal);
    CHECK(debug_levels["debug"] > 0);
    CHECK(debug_levels["info"] > 0);
}

namespace {

std::string stream_id(const std::string& path)
{
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return fmt::format("{}:{}", st.st_dev, st.st_ino);
}

std::string read_file(const std::string& path)
{
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace

TEST_CASE("logging: under systemd, lines carry journald priorities and no timestamps")
{
    test::daemon_fixture fx;
    fx.sandbox().seed_people(10, 5, 2, 3);
    fx.sandbox().shopify().faults().add({.kind = sandbox::fault_kind::http_500, .remaining = 1, .path_prefix = "/admin/api/"});
    auto config = fx.write_config({.direction = "shopify_to_crm"});
    set_log_level(config, "info");
    const auto binary = test::binary_path("crmsyncd");

    // stderr is the stream JOURNAL_STREAM names (created first so its inode is known; the child appends).
    const auto journal_file = fx.dir().file("journal.log");
    std::ofstream(journal_file).close();
    test::child_process daemon({binary, "run", "--config", config}, journal_file, {{"JOURNAL_STREAM", stream_id(journal_file)}});
    REQUIRE_MESSAGE(test::wait_until([&] { return read_file(journal_file).find("ready: status at") != std::string::npos; }, 30s),
                    read_file(journal_file));
    REQUIRE_MESSAGE(test::wait_until([&] { return read_file(journal_file).find("<4>[") != std::string::npos; }, 30s),
                    read_file(journal_file));

    // A second daemon on the same state file is refused, with an error line, and exits 74.
    const auto second_file = fx.dir().file("second.log");
    std::ofstream(second_file).close();
    test::child_process second({binary, "run", "--config", config}, second_file, {{"JOURNAL_STREAM", stream_id(second_file)}});
    CHECK(second.wait(30s) == 74);
    // With JOURNAL_STREAM naming another file (inherited, stderr redirected): readable lines.
    const auto redirected_file = fx.dir().file("redirected.log");
    std::ofstream(redirected_file).close();
    test::child_process third({binary, "run", "--config", config}, redirected_file, {{"JOURNAL_STREAM", stream_id(journal_file)}});
    CHECK(third.wait(30s) == 74);

    daemon.signal(SIGTERM);
    CHECK(daemon.wait(30s) == 0);

    static const std::regex journal_line(R"(^<[0-7]>\[[a-z_]+\] \S)");
    static const std::regex timestamp(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})");
    std::set<char> priorities;
    auto check_journal = [&](const std::string& text) {
        std::istringstream in(text);
        std::string line;
        int lines = 0;
        while (std::getline(in, line)) {
            if (line.empty())
                continue;
            ++lines;
            CHECK_MESSAGE(std::regex_search(line, journal_line), line);
            CHECK_MESSAGE(!std::regex_search(line.substr(0, 30), timestamp), line);
            if (line.size() > 1)
                priorities.insert(line[1]);
        }
        return lines;
    };
    CHECK(check_journal(read_file(journal_file)) > 3);
    CHECK(check_journal(read_file(second_file)) >= 1);
    CHECK(priorities.contains('6')); // info
    CHECK(priorities.contains('4')); // warning: the Shopify 500
    CHECK(priorities.contains('3')); // error: the state file is in use

    auto redirected = read_file(redirected_file);
    INFO(redirected);
    CHECK(std::regex_search(redirected, std::regex(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} error)")));
    CHECK(redirected.find("<3>") == std::string::npos);
}
