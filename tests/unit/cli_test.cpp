#include "daemon/cli.hpp"

#include <doctest/doctest.h>

using namespace crmsync;

TEST_CASE("the command line of design.md §7.1")
{
    auto r = parse_command_line({"run", "--config", "/etc/crmsync/a.yaml", "--dry-run"});
    REQUIRE(r.cmd);
    CHECK(r.cmd->kind == command_kind::run);
    CHECK(r.cmd->config_path == "/etc/crmsync/a.yaml");
    CHECK(r.cmd->dry_run);

    r = parse_command_line({"check-config", "--config=x.yaml"});
    REQUIRE(r.cmd);
    CHECK(r.cmd->kind == command_kind::check_config);
    CHECK(r.cmd->config_path == "x.yaml");

    r = parse_command_line({"status", "--json"});
    REQUIRE(r.cmd);
    CHECK(r.cmd->url == "http://127.0.0.1:8787");
    CHECK(r.cmd->json);

    CHECK(parse_command_line({"--version"}).cmd->kind == command_kind::version);
    CHECK(parse_command_line({"--help"}).cmd->kind == command_kind::help);
}

TEST_CASE("usage errors are reported, not guessed")
{
    CHECK_FALSE(parse_command_line({}).cmd);
    CHECK_FALSE(parse_command_line({"frobnicate"}).cmd);
    CHECK_FALSE(parse_command_line({"run"}).cmd);                       // no config
    CHECK_FALSE(parse_command_line({"run", "--config"}).cmd);           // no value
    CHECK_FALSE(parse_command_line({"run", "-c", "x", "--bogus"}).cmd); // unknown option
    CHECK_FALSE(parse_command_line({"check-config", "-c", "x", "--dry-run"}).cmd);
    auto r = parse_command_line({"run", "-c", "x", "--bogus"});
    CHECK(r.error.find("--bogus") != std::string::npos);
}
