#pragma once
// Logging to stderr: readable lines on a terminal; under systemd ($JOURNAL_STREAM set) each line starts
// with its syslog priority ("<4>") and carries no timestamp, since the journal stamps it.

#include "config/config.hpp"

#include <memory>
#include <string_view>

namespace spdlog {
class logger;
}

namespace crmsync {

// Creates (or returns) a logger that writes through the shared sink. Thread-safe.
std::shared_ptr<spdlog::logger> make_logger(std::string_view name);
void set_log_level(log_level level);

} // namespace crmsync
