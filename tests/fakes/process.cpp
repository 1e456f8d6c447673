#include "tests/fakes/process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace crmsync::test {

child_process::child_process(std::vector<std::string> argv, std::string output_file,
                             std::map<std::string, std::string> env)
    : output_file_(std::move(output_file))
{
    int fd = ::open(output_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        throw std::runtime_error("cannot open " + output_file_);
    std::vector<std::string> envs;
    for (char** e = environ; *e; ++e) {
        std::string kv(*e);
        auto name = kv.substr(0, kv.find('='));
        if (!env.contains(name))
            envs.push_back(kv);
    }
    for (const auto& [k, v] : env)
        envs.push_back(k + "=" + v);
    std::vector<char*> cargv, cenv;
    for (auto& a : argv)
        cargv.push_back(a.data());
    cargv.push_back(nullptr);
    for (auto& e : envs)
        cenv.push_back(e.data());
    cenv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0)
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid_ == 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        ::execve(cargv[0], cargv.data(), cenv.data());
        ::_exit(127);
    }
    ::close(fd);
}

child_process::~child_process()
{
    if (running()) {
        ::kill(pid_, SIGKILL);
        wait(std::chrono::seconds{10});
    }
}

void child_process::signal(int sig)
{
    if (!status_)
        ::kill(pid_, sig);
}

bool child_process::running()
{
    if (status_)
        return false;
    int st = 0;
    auto r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        return false;
    }
    return r == 0;
}

std::optional<int> child_process::wait(std::chrono::milliseconds timeout)
{
    wait_until([&] { return !running(); }, timeout);
    return status_;
}

std::string child_process::output() const
{
    std::ifstream in(output_file_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool wait_until_impl(const std::function<bool()>& condition, std::chrono::milliseconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (condition())
            return true;
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
}

run_result run_command(std::vector<std::string> argv, std::chrono::milliseconds timeout,
                       std::map<std::string, std::string> env)
{
    char name[] = "/tmp/crmsync-cmd-XXXXXX";
    int fd = ::mkstemp(name);
    if (fd < 0)
        throw std::runtime_error("mkstemp");
    ::close(fd);
    run_result r;
    {
        child_process p(std::move(argv), name, std::move(env));
        auto st = p.wait(timeout);
        r.status = st.value_or(-1);
        r.output = p.output();
    }
    ::unlink(name);
    return r;
}

std::string binary_path(const std::string& name) { return std::string(CRMSYNC_BINARY_DIR) + "/" + name; }

} // namespace crmsync::test
