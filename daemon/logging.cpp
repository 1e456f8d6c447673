#include "daemon/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <mutex>

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
        if (std::getenv("JOURNAL_STREAM"))
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
