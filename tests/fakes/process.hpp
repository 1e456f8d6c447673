#pragma once
// Spawning the real binaries in end-to-end tests: argv, extra environment, output to a file; signals
// and waiting with deadlines.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace crmsync::test {

class child_process {
public:
    // Starts `argv[0]` with stdout and stderr appended to `output_file`.
    child_process(std::vector<std::string> argv, std::string output_file, std::map<std::string, std::string> env = {});
    ~child_process(); // SIGKILLs a child that is still running
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    pid_t pid() const { return pid_; }
    void signal(int sig);
    // Exit status once the child has exited (128 + signal when killed); nullopt on timeout.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    bool running();
    std::string output() const;

private:
    pid_t pid_ = -1;
    std::string output_file_;
    std::optional<int> status_;
};

// Runs a command to completion and returns its exit status and combined output.
struct run_result {
    int status = -1;
    std::string output;
};
run_result run_command(std::vector<std::string> argv, std::chrono::milliseconds timeout = std::chrono::seconds{60},
                       std::map<std::string, std::string> env = {});

// Polls `condition` every 20 ms until it holds or `timeout` passes. No fixed sleeps in tests: this is
// how they wait for something another process does.
template <class F> bool wait_until(F&& condition, std::chrono::milliseconds timeout);
bool wait_until_impl(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

template <class F> bool wait_until(F&& condition, std::chrono::milliseconds timeout)
{
    return wait_until_impl(std::function<bool()>(std::forward<F>(condition)), timeout);
}

std::string binary_path(const std::string& name); // built binaries: CRMSYNC_BINARY_DIR/name

} // namespace crmsync::test
