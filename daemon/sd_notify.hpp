#pragma once
// sd_notify(3) without libsystemd: one datagram per message to $NOTIFY_SOCKET (a path, or "@name" in the
// abstract namespace). A no-op when the variable is unset. Never blocks; failures are logged at debug.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace crmsync {

class sd_notifier {
public:
    // Reads $NOTIFY_SOCKET and $WATCHDOG_USEC/$WATCHDOG_PID once.
    sd_notifier();
    ~sd_notifier();
    sd_notifier(const sd_notifier&) = delete;
    sd_notifier& operator=(const sd_notifier&) = delete;

    bool enabled() const { return fd_ >= 0; }
    // Sends newline-separated assignments, e.g. "READY=1\nSTATUS=syncing".
    bool notify(std::string_view message);
    bool ready(std::string_view status) { return notify("READY=1\nSTATUS=" + std::string(status)); }
    bool status(std::string_view status) { return notify("STATUS=" + std::string(status)); }
    bool stopping() { return notify("STOPPING=1"); }
    bool watchdog() { return notify("WATCHDOG=1"); }
    // Reload protocol: RELOADING=1 with MONOTONIC_USEC, then READY=1 when done.
    bool reloading();
    // The watchdog interval systemd expects pings within, if enabled for this process.
    std::optional<std::chrono::microseconds> watchdog_interval() const { return watchdog_; }

private:
    int fd_ = -1;
    std::string address_;
    std::optional<std::chrono::microseconds> watchdog_;
};

} // namespace crmsync
