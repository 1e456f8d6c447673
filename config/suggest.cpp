#include "config/suggest.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace crmsync::config_detail {
namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Edit distance over lower-cased characters, counting a swap of neighbours as one edit (optimal
// string alignment), since "sttae" and "emial" are the typos people make.
std::size_t distance(std::string_view a, std::string_view b)
{
    const std::size_t width = b.size() + 1;
    std::vector<std::size_t> d((a.size() + 1) * width);
    auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return d[i * width + j]; };
    for (std::size_t i = 0; i <= a.size(); ++i)
        at(i, 0) = i;
    for (std::size_t j = 0; j <= b.size(); ++j)
        at(0, j) = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
            at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]))
                at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
        }
    }
    return at(a.size(), b.size());
}

} // namespace

std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates)
{
    const std::size_t limit = std::max<std::size_t>(1, word.size() / 3);
    std::string_view best;
    std::size_t best_distance = limit + 1;
    for (auto c : candidates) {
        if (c == word)
            continue;
        const std::size_t d = distance(word, c);
        if (d < best_distance) {
            best = c;
            best_distance = d;
        }
    }
    if (best.empty() && word.size() >= 2) {
        // An abbreviation ("pro") of exactly one candidate is as good a hint as a typo.
        for (auto c : candidates) {
            if (c.size() > word.size() && distance(word, c.substr(0, word.size())) == 0) {
                if (!best.empty())
                    return {};
                best = c;
            }
        }
    }
    if (best.empty())
        return {};
    return " (did you mean '" + std::string(best) + "'?)";
}

std::string quoted_list(std::span<const std::string_view> items)
{
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0)
            out += i + 1 == items.size() ? " or " : ", ";
        out += "'" + std::string(items[i]) + "'";
    }
    return out;
}

} // namespace crmsync::config_detail
