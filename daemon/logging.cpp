#include "daemon/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <cstdlib>
#include <mutex>

#include <sys/stat.h>
#include <unistd.h>

namespace crmsync {
namespace {

class journal_priority final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override
    {
        char p = '6';
        switch (msg.level) {
        case spdlog::level::trace:
        case spdlog::level::debug: p = '7'; break;
        case spdlog::level::info: p = '6'; break;
        case spdlog::level::warn: p = '4'; break;
        case spdlog::level::err: p = '3'; break;
        case spdlog::level::critical: p = '2'; break;
        default: break;
        }
        const char text[3] = {'<', p, '>'};
        dest.append(text, text + 3);
    }
    std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<journal_priority>(); }
};

struct shared_sink {
    std::shared_ptr<spdlog::sinks::stderr_sink_mt> sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    spdlog::level::level_enum level = spdlog::level::info;
    std::mutex mu;

    shared_sink()
    {
        auto f = std::make_unique<spdlog::pattern_formatter>();
        const char* journal = std::getenv("JOURNAL_STREAM");
        if (journal && is_journal_stream(journal, STDERR_FILENO))
            f->add_flag<journal_priority>('*').set_pattern("%*[%n] %v");
        else
            f->set_pattern("%Y-%m-%dT%H:%M:%S.%e %-5l [%n] %v");
        sink->set_formatter(std::move(f));
    }
};

shared_sink& sink()
{
    static shared_sink s;
    return s;
}

spdlog::level::level_enum to_spdlog(log_level l)
{
    switch (l) {
    case log_level::trace: return spdlog::level::trace;
    case log_level::debug: return spdlog::level::debug;
    case log_level::info: return spdlog::level::info;
    case log_level::warn: return spdlog::level::warn;
    case log_level::error: return spdlog::level::err;
    }
    return spdlog::level::info;
}

} // namespace

bool is_journal_stream(std::string_view journal_stream, int fd)
{
    auto colon = journal_stream.find(':');
    if (colon == std::string_view::npos)
        return false;
    auto number = [](std::string_view s, unsigned long long& out) {
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        return ec == std::errc{} && p == s.data() + s.size() && !s.empty();
    };
    unsigned long long dev = 0, ino = 0;
    if (!number(journal_stream.substr(0, colon), dev) || !number(journal_stream.substr(colon + 1), ino))
        return false;
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        return false;
    return static_cast<unsigned long long>(st.st_dev) == dev && static_cast<unsigned long long>(st.st_ino) == ino;
}

std::shared_ptr<spdlog::logger> make_logger(std::string_view name)
{
    auto& s = sink();
    std::lock_guard lock(s.mu);
    if (auto existing = spdlog::get(std::string(name)))
        return existing;
    auto logger = std::make_shared<spdlog::logger>(std::string(name), s.sink);
    logger->set_level(s.level);
    spdlog::register_logger(logger);
    return logger;
}

void set_log_level(log_level level)
{
    auto& s = sink();
    std::lock_guard lock(s.mu);
    s.level = to_spdlog(level);
    spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) { l->set_level(s.level); });
}

} // namespace crmsync
