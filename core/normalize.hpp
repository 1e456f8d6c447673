#pragma once
// Canonical normalization, applied to every value before it is compared or written, so that a side
// which reformats what we wrote (case, spacing, phone formatting, tag order, "12.50" vs "12.5") never
// looks like a change and never triggers a write back (design.md §4.3).

#include "core/sync_settings.hpp"

#include <string>
#include <string_view>

namespace crmsync {

// Returns the normalized value; an empty result means "no value".
std::string normalize(normalizer n, std::string_view value);

// Individual normalizers, exposed for tests.
std::string normalize_text(std::string_view v);    // trim, fold whitespace runs to one space
std::string normalize_email(std::string_view v);   // trim, lower-case
// E.164 where it can be inferred: formatting removed, "00" prefix becomes "+", a bare 10-digit number is
// taken as North American (+1), 11 digits starting with 1 likewise; anything else keeps its digits
// (with "+" if it had one). Extensions ("x123", "ext. 123") are kept after ";ext=".
std::string normalize_phone(std::string_view v);
std::string normalize_tags(std::string_view v);    // comma list -> trimmed, de-duplicated, sorted, ", "-joined
std::string normalize_decimal(std::string_view v); // "11884.90" -> "11884.9", "13.0" -> "13"; non-numbers: text

} // namespace crmsync
