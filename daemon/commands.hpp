#pragma once
// The CLI commands other than `run`: `status` (reads a running daemon's /status) and `plan` (what the
// next cycle would write, computed on a scratch copy of the state; nothing is written anywhere).

#include "config/config.hpp"
#include "daemon/cli.hpp"

#include <string>

namespace crmsync {

int status_command(const std::string& url, bool json);
// conflicts list|show|resolve and dead-letters list|retry against a running daemon's admin endpoints.
int admin_command(const command& cmd);
int plan_command(const config& cfg);
// check-config --online: the credentials work and every mapped CRM property exists and is writable (or is
// one crmsyncd creates). Read-only. Exit 0, or 69 naming what is wrong.
int check_online_command(const config& cfg);

} // namespace crmsync
