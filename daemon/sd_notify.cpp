#include "daemon/sd_notify.hpp"

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fmt/format.h>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace crmsync {

sd_notifier::sd_notifier()
{
    if (const char* wd = std::getenv("WATCHDOG_USEC")) {
        const char* pid = std::getenv("WATCHDOG_PID");
        long long usec = std::atoll(wd);
        if (usec > 0 && (!pid || std::atoll(pid) == static_cast<long long>(::getpid())))
            watchdog_ = std::chrono::microseconds{usec};
    }
    const char* path = std::getenv("NOTIFY_SOCKET");
    if (!path || !*path)
        return;
    address_ = path;
    if ((address_[0] != '/' && address_[0] != '@') || address_.size() >= sizeof(sockaddr_un::sun_path))
        return;
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
}

sd_notifier::~sd_notifier()
{
    if (fd_ >= 0)
        ::close(fd_);
}

bool sd_notifier::notify(std::string_view message)
{
    if (fd_ < 0)
        return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, address_.data(), address_.size());
    if (addr.sun_path[0] == '@')
        addr.sun_path[0] = '\0'; // abstract namespace
    // For abstract sockets the length must not include trailing NULs, or they become part of the name.
    auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
    auto n = ::sendto(fd_, message.data(), message.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr), len);
    return n == static_cast<ssize_t>(message.size());
}

bool sd_notifier::reloading()
{
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    auto usec = static_cast<unsigned long long>(ts.tv_sec) * 1'000'000ULL + static_cast<unsigned long long>(ts.tv_nsec) / 1000ULL;
    return notify(fmt::format("RELOADING=1\nMONOTONIC_USEC={}", usec));
}

} // namespace crmsync
