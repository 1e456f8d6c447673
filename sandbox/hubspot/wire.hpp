#pragma once
// Wire-level helpers shared by the HubSpot emulator's handlers: the reply type, HubSpot's error
// bodies, ISO-8601 timestamps as HubSpot prints them, and small string helpers. Internal to
// sandbox/hubspot; nothing here is thread-safe on its own (callers hold the emulator's lock).

#include <boost/assert/source_location.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crmsync::sandbox::hubspot {

// What a handler answers before the emulator adds rate-limit headers and faults.
struct reply {
    int status = 200;
    std::string body; // empty for 204
    std::vector<std::pair<std::string, std::string>> headers;
};

using string_lists = std::map<std::string, std::vector<std::string>>;

// One entry of `errors[]` (spec ErrorDetail).
struct error_detail {
    std::string message;
    std::string code;
    std::string in;
    string_lists context;
};

// A failure as HubSpot reports it (spec Error / StandardError). Returned as data by the store and
// the property registry; handlers turn it into a reply or a batch `errors[]` entry.
struct api_error {
    int status = 400;
    std::string category;
    std::string message;
    std::string sub_category;
    std::vector<error_detail> errors;
    string_lists context;
};

template <class T> using api_result = boost::system::result<T, api_error>;

// Found by ADL when .value() is called on an api_result holding an error: that is a bug.
[[noreturn]] void throw_exception_from_error(const api_error& e, const boost::source_location& loc);

api_error validation_error(std::string message);
api_error not_found_error(std::string message = "resource not found");

// Correlation ids and request ids: UUID-shaped, deterministic from the emulator's seed.
class uuid_source {
public:
    explicit uuid_source(std::uint64_t seed) : rng_(seed) {}
    std::string next();
    void reseed(std::uint64_t seed) { rng_.seed(seed); }

private:
    std::mt19937_64 rng_;
};

// The standard error body: {"status":"error","message","correlationId","category",...}.
reply error_reply(const api_error& e, uuid_source& ids);
// A batch `errors[]` item (spec StandardError: status, category, message, context, errors, links).
boost::json::object standard_error_json(const api_error& e);
reply json_reply(int status, const boost::json::value& body);

// "2026-09-21T12:34:56.789Z" from Unix milliseconds (HubSpot always prints milliseconds).
std::string format_iso_ms(std::int64_t unix_ms);
// "YYYY-MM-DD" (midnight UTC) or "YYYY-MM-DDTHH:MM[:SS[.fff]][Z|+HH:MM|-HH:MM]" to Unix ms.
std::optional<std::int64_t> parse_iso_ms(std::string_view s);
// Epoch milliseconds (an optionally signed integer string) or ISO-8601.
std::optional<std::int64_t> parse_time_value(std::string_view s);
std::string format_date(std::int64_t unix_ms); // "YYYY-MM-DD"

std::string to_lower(std::string_view s);
std::string trim(std::string_view s);
bool all_digits(std::string_view s);
std::optional<std::uint64_t> parse_id(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep); // drops empty parts

} // namespace crmsync::sandbox::hubspot
