// End to end: the systemd contract — sd_notify messages over a fake NOTIFY_SOCKET, a clean exit on
// SIGTERM, and the shipped units (crmsyncd.service, the per-store template crmsyncd@.service) passing
// systemd-analyze verify and the security bar.
#include "tests/fakes/daemon_fixture.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <regex>
#include <sstream>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

using namespace crmsync;
using namespace std::chrono_literals;

namespace {

// A datagram socket standing in for systemd's notification socket.
class notify_socket {
public:
    explicit notify_socket(std::string path) : path_(std::move(path))
    {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path_.c_str());
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    }
    ~notify_socket()
    {
        ::close(fd_);
        ::unlink(path_.c_str());
    }
    // Collects datagrams until one contains `needle` or `timeout` passes.
    bool wait_for(const std::string& needle, std::chrono::milliseconds timeout)
    {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            timeval tv{0, 100'000};
            ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
            char buf[4096];
            auto n = ::recv(fd_, buf, sizeof(buf), 0);
            if (n > 0) {
                received_.emplace_back(buf, static_cast<std::size_t>(n));
                if (received_.back().find(needle) != std::string::npos)
                    return true;
            }
        }
        return false;
    }
    const std::vector<std::string>& received() const { return received_; }

private:
    std::string path_;
    int fd_ = -1;
    std::vector<std::string> received_;
};

} // namespace

TEST_CASE("READY=1 once syncing, STATUS= progress, WATCHDOG=1, RELOADING=1 on SIGHUP, STOPPING=1 on SIGTERM")
{
    test::daemon_fixture fx;
    fx.sandbox().seed_people(20, 0, 0, 1);
    notify_socket sock(fx.dir().file("notify.sock"));
    auto config = fx.write_config();
    test::child_process daemon({test::binary_path("crmsyncd"), "run", "--config", config}, fx.dir().file("notify-run.log"),
                               {{"NOTIFY_SOCKET", fx.dir().file("notify.sock")}, {"WATCHDOG_USEC", "2000000"}});
    REQUIRE_MESSAGE(sock.wait_for("READY=1", 20s), daemon.output());
    CHECK(sock.received().back().find("STATUS=") != std::string::npos);
    CHECK(sock.wait_for("WATCHDOG=1", 5s));
    CHECK_MESSAGE(sock.wait_for("STATUS=running: 20 linked, 0 writes pending, 0 conflicts, 0 dead letters", 20s),
                  daemon.output());
    daemon.signal(SIGHUP);
    CHECK(sock.wait_for("RELOADING=1", 10s));
    CHECK(sock.wait_for("READY=1\nSTATUS=configuration reloaded", 10s));
    daemon.signal(SIGTERM);
    CHECK(sock.wait_for("STOPPING=1", 10s));
    CHECK(daemon.wait(20s) == 0);
}

TEST_CASE("a second daemon on the same state file is refused with a clear message")
{
    test::daemon_fixture fx;
    auto config = fx.write_config();
    fx.start(config);
    auto second = test::run_command({test::binary_path("crmsyncd"), "run", "--config", config});
    CHECK(second.status == 74);
    CHECK(second.output.find("in use by another crmsyncd") != std::string::npos);
    CHECK(fx.stop() == 0);
}

namespace {

std::string read_unit(const std::string& name)
{
    std::ifstream in(std::string(CRMSYNC_SOURCE_DIR) + "/systemd/" + name);
    REQUIRE_MESSAGE(in, name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The [Service] lines of a unit, comments and blank lines left out.
std::vector<std::string> service_lines(const std::string& unit)
{
    std::vector<std::string> out;
    std::istringstream in(unit);
    bool in_service = false;
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("["))
            in_service = line == "[Service]";
        else if (in_service && !line.empty() && !line.starts_with("#"))
            out.push_back(line);
    }
    return out;
}

bool systemd_analyze_available()
{
    if (test::run_command({"/usr/bin/env", "systemd-analyze", "--version"}).status == 0)
        return true;
    MESSAGE("systemd-analyze not available; skipped");
    return false;
}

// Writes the shipped unit `name` into `dir` with ExecStart pointing at the binary just built (verify
// checks that the command exists), then runs systemd-analyze verify and security on it. Returns the
// overall exposure level (a template is rated as the instance "i").
double verify_and_rate(const test::temp_dir& dir, const std::string& name)
{
    auto unit = read_unit(name);
    auto pos = unit.find("/usr/bin/crmsyncd");
    REQUIRE(pos != std::string::npos);
    unit.replace(pos, std::string("/usr/bin/crmsyncd").size(), test::binary_path("crmsyncd"));
    auto path = dir.file(name);
    std::ofstream(path) << unit;

    auto verify = test::run_command({"/usr/bin/env", "systemd-analyze", "verify", path});
    CHECK_MESSAGE(verify.status == 0, verify.output);
    CHECK_MESSAGE(verify.output.empty(), verify.output);

    // --threshold makes the exit status fail above 2.0 as well.
    auto security = test::run_command({"/usr/bin/env", "systemd-analyze", "security", "--offline=yes", "--threshold=20", path});
    CHECK_MESSAGE(security.status == 0, security.output);
    static const std::regex overall(R"(Overall exposure level for \S+: (\d+\.\d))");
    std::smatch m;
    REQUIRE_MESSAGE(std::regex_search(security.output, m, overall), security.output);
    return std::stod(m[1].str());
}

} // namespace

TEST_CASE("the shipped unit verifies and scores 2.0 or better in systemd-analyze security")
{
    if (!systemd_analyze_available())
        return;
    test::temp_dir dir;
    auto level = verify_and_rate(dir, "crmsyncd.service");
    MESSAGE("crmsyncd.service exposure " << level);
    CHECK(level <= 2.0);
}

TEST_CASE("the per-store template unit verifies and scores 2.0 or better in systemd-analyze security")
{
    if (!systemd_analyze_available())
        return;
    test::temp_dir dir;
    auto level = verify_and_rate(dir, "crmsyncd@.service");
    MESSAGE("crmsyncd@.service exposure " << level);
    CHECK(level <= 2.0);
}

TEST_CASE("the template unit is the single unit per store: config, state and secrets by instance name")
{
    auto single = service_lines(read_unit("crmsyncd.service"));
    auto tmpl = service_lines(read_unit("crmsyncd@.service"));
    auto has = [&tmpl](const std::string& line) { return std::find(tmpl.begin(), tmpl.end(), line) != tmpl.end(); };

    CHECK(has("ExecStart=/usr/bin/crmsyncd run --config ${CONFIGURATION_DIRECTORY}/%i.yaml"));
    CHECK(has("StateDirectory=crmsync/%i"));
    int credentials = 0;
    for (const auto& line : single) {
        if (line.starts_with("LoadCredential=")) {
            // shopify_token:/etc/crmsync/credentials/shopify_token -> .../credentials/%i/shopify_token
            auto id = line.substr(line.find('=') + 1, line.find(':') - line.find('=') - 1);
            CHECK_MESSAGE(has("LoadCredential=" + id + ":/etc/crmsync/credentials/%i/" + id), line);
            ++credentials;
        } else if (!line.starts_with("ExecStart=") && !line.starts_with("StateDirectory=")) {
            // Every other setting, the whole hardening among them, is the same in both units.
            CHECK_MESSAGE(has(line), "crmsyncd@.service lacks: " << line);
        }
    }
    CHECK(credentials == 3);
}
