#pragma once
// What the benchmarks and the soak read about a live process from /proc (Linux).

#include <sys/types.h>

namespace crmsync::test {

// A field of /proc/PID/status in kB ("VmRSS", "VmHWM" = peak resident set); -1 when unreadable.
long proc_status_kb(pid_t pid, const char* key);
// User + system CPU seconds.
double proc_cpu_seconds(pid_t pid);
// Open file descriptors (entries of /proc/PID/fd); -1 when unreadable.
int proc_open_fds(pid_t pid);

} // namespace crmsync::test
