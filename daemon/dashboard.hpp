#pragma once
// The dashboard page served at "/": one self-contained HTML page (no external assets) that polls
// /status and renders it for people.

#include <string_view>

namespace crmsync {

std::string_view dashboard_html();

} // namespace crmsync
