#pragma once
// "Did you mean …?" hints for misspelt keys and values in configuration errors.

#include <span>
#include <string>
#include <string_view>

namespace crmsync::config_detail {

// " (did you mean 'x'?)" for the candidate closest to `word` (case-insensitive edit distance), or ""
// when none is close enough to be a plausible typo.
std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates);

// "a, b or c", each quoted with single quotes.
std::string quoted_list(std::span<const std::string_view> items);

} // namespace crmsync::config_detail
