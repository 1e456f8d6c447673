#pragma once
// What the benchmarks read about the daemon from /proc: memory (/proc/PID/status) and CPU time
// (/proc/PID/stat). Header-only; Linux only, like the benchmarks.

#include <fmt/format.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <sys/types.h>
#include <unistd.h>

namespace crmsync::bench {

// A field of /proc/PID/status in kB (VmHWM = peak resident set, VmRSS = current); -1 when absent.
inline long proc_status_kb(pid_t pid, const std::string& key)
{
    std::ifstream in(fmt::format("/proc/{}/status", pid));
    std::string line;
    while (std::getline(in, line))
        if (line.starts_with(key + ":"))
            return std::stol(line.substr(key.size() + 1));
    return -1;
}

// User + system CPU seconds of a live process (fields 14 and 15 of /proc/PID/stat, counted after the
// command name, which may itself hold spaces and parentheses).
inline double proc_cpu_seconds(pid_t pid)
{
    std::ifstream in(fmt::format("/proc/{}/stat", pid));
    std::string all((std::istreambuf_iterator<char>(in)), {});
    const auto close = all.rfind(')');
    if (close == std::string::npos || close + 2 > all.size())
        return 0;
    std::istringstream rest(all.substr(close + 2));
    std::string field;
    long utime = 0, stime = 0;
    for (int i = 3; rest >> field; ++i) {
        if (i == 14)
            utime = std::stol(field);
        if (i == 15) {
            stime = std::stol(field);
            break;
        }
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

} // namespace crmsync::bench
