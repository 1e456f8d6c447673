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

TEST_CASE("operator commands: conflicts, dead-letters, resync, audit, check-config --online")
{
    auto r = parse_command_line({"conflicts", "resolve", "12", "--take=crm", "--url", "http://h:1"});
    REQUIRE(r.cmd);
    CHECK(r.cmd->kind == command_kind::conflicts);
    CHECK(r.cmd->action == "resolve");
    CHECK(r.cmd->id == 12);
    CHECK(r.cmd->take == "crm");
    CHECK(r.cmd->url == "http://h:1");
    r = parse_command_line({"conflicts", "list", "--all"});
    REQUIRE(r.cmd);
    CHECK(r.cmd->all);
    CHECK(r.cmd->url == "http://127.0.0.1:8787");
    r = parse_command_line({"dead-letters", "retry", "3"});
    REQUIRE(r.cmd);
    CHECK(r.cmd->kind == command_kind::dead_letters);
    CHECK(r.cmd->id == 3);
    r = parse_command_line({"resync", "--full", "--side=shopify"});
    REQUIRE(r.cmd);
    CHECK(r.cmd->kind == command_kind::resync);
    CHECK(r.cmd->full);
    CHECK(r.cmd->side_name == "shopify");
    r = parse_command_line({"audit", "--shopify", "7081"});
    REQUIRE(r.cmd);
    CHECK(r.cmd->kind == command_kind::audit);
    CHECK(r.cmd->side_name == "shopify");
    CHECK(r.cmd->who == "7081");
    r = parse_command_line({"check-config", "-c", "x.yaml", "--online"});
    REQUIRE(r.cmd);
    CHECK(r.cmd->online);

    CHECK_FALSE(parse_command_line({"conflicts"}).cmd);
    CHECK_FALSE(parse_command_line({"conflicts", "resolve", "12"}).cmd);              // --take missing
    CHECK_FALSE(parse_command_line({"conflicts", "resolve", "x", "--take", "crm"}).cmd); // not an id
    CHECK_FALSE(parse_command_line({"conflicts", "resolve", "1", "--take", "both"}).cmd);
    CHECK_FALSE(parse_command_line({"conflicts", "show", "1", "--all"}).cmd);
    CHECK_FALSE(parse_command_line({"dead-letters", "resolve", "1"}).cmd);
    CHECK_FALSE(parse_command_line({"resync", "--side", "both"}).cmd);
    CHECK_FALSE(parse_command_line({"audit"}).cmd);
    CHECK_FALSE(parse_command_line({"audit", "--crm", "1", "--shopify", "2"}).cmd);
    CHECK_FALSE(parse_command_line({"run", "-c", "x", "--online"}).cmd);
}
