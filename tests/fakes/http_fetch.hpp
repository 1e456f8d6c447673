#pragma once
// Blocking HTTP for test threads (e.g. reading a spawned daemon's /status), on a private io_context.

#include "core/http.hpp"

#include <boost/json/value.hpp>

#include <optional>
#include <string>

namespace crmsync::test {

std::optional<http_response> http_fetch(http_request req);
// GET url and parse the body as JSON; nullopt on any failure or non-200.
std::optional<boost::json::value> get_json(const std::string& url, const std::string& bearer = {});

} // namespace crmsync::test
