#pragma once
// Logging to stderr: readable lines on a terminal; under systemd (stderr is the stream $JOURNAL_STREAM
// names) each line starts with its syslog priority ("<4>") and carries no timestamp, since the journal
// stamps it.
//
// Secrets and personal data never reach a line at info or above (design.md §5): API messages pass through
// core/redact.hpp before they are logged, and no request or header is ever logged.

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

// Whether `journal_stream` ("DEVICE:INODE", from $JOURNAL_STREAM) names the file open on `fd`. systemd
// sets it for the stream it connects to stderr; a child whose stderr was redirected elsewhere inherits
// the variable but must keep writing readable lines.
bool is_journal_stream(std::string_view journal_stream, int fd);

} // namespace crmsync
