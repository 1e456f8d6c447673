#pragma once
// End-to-end fixture: the sandbox emulators in-process on free ports, and the real crmsyncd binary
// spawned against them with a generated config in a temporary directory.

#include "sandbox/sandbox.hpp"
#include "tests/fakes/process.hpp"
#include "tests/fakes/temp_dir.hpp"

#include <boost/json/object.hpp>

#include <memory>
#include <optional>
#include <string>

namespace crmsync::test {

struct daemon_config_options {
    std::string direction = "shopify_to_crm";
    std::string poll_interval = "1s";
    std::string extra_sync;    // more YAML lines under sync:, indented by two spaces
    std::string extra_shopify; // more YAML lines under shopify:, indented by two spaces
    std::string extra_crm;     // more YAML lines under crm:, indented by two spaces
    std::string http_token;    // http.token; status() then sends it
    std::string log_level = "debug";
    std::uint16_t http_port = 0;
};

// A port that was free a moment ago (for configs that must name the daemon's own URL).
std::uint16_t free_port();

class daemon_fixture {
public:
    explicit daemon_fixture(sandbox::sandbox_options opts = {});
    ~daemon_fixture();

    sandbox::sandbox_server& sandbox() { return *sandbox_; }
    const temp_dir& dir() const { return dir_; }

    // Writes config.yaml for the sandbox and returns its path.
    std::string write_config(const daemon_config_options& o = {});
    // Starts crmsyncd run --config <config>; waits until it is listening. Throws on failure.
    void start(const std::string& config_path, std::vector<std::string> extra_args = {});
    // Starts crmsyncd run with extra environment variables and returns at once (the daemon may die before
    // it listens: the crash walk's fault injection); running() tells. start() is launch() and the wait.
    void launch(const std::string& config_path, std::map<std::string, std::string> env,
                std::vector<std::string> extra_args = {});
    bool running() { return daemon_ && daemon_->running(); }
    // SIGTERM and wait; returns the exit status.
    int stop();
    void kill9();
    child_process& process() { return *daemon_; }
    std::string log() const;

    std::uint16_t http_port() const { return http_port_; }
    // The daemon's /status (details), or nullopt when unreachable.
    std::optional<boost::json::object> status();
    // Waits until the status satisfies `pred`; false on timeout.
    bool wait_status(const std::function<bool(const boost::json::object&)>& pred, std::chrono::milliseconds timeout);
    // Waits until the first sync is complete, `links` people are linked, no write is pending and no link
    // waits to be planned (dirty).
    bool wait_synced(std::int64_t links, std::chrono::milliseconds timeout);

private:
    temp_dir dir_;
    std::unique_ptr<sandbox::sandbox_server> sandbox_;
    std::unique_ptr<child_process> daemon_;
    std::uint16_t http_port_ = 0;
    std::string http_token_;
    int runs_ = 0;
};

// Reads an integer member (0 when absent or not a number).
std::int64_t json_int(const boost::json::object& o, std::string_view key);
const boost::json::object& json_obj(const boost::json::object& o, std::string_view key);

} // namespace crmsync::test
