#pragma once
// Personal data must never reach logs at info level or above (design.md §5 "Privacy"). API messages
// can quote what was sent ("Email address jane@x.com is invalid"), so they pass through redact()
// before they are logged.

#include <string>
#include <string_view>

namespace crmsync {

// Masks e-mail addresses and phone numbers ("+"-prefixed or written with separators); bare digit runs
// such as record ids are kept.
std::string redact(std::string_view text);

} // namespace crmsync
