#include "core/redact.hpp"

#include <regex>

namespace crmsync {

std::string redact(std::string_view text)
{
    static const std::regex email(R"([A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,})");
    // Phone numbers either start with "+" or are written with separators; bare digit runs are record ids,
    // which operators need and which are not personal data.
    static const std::regex phone(R"(\+\d[\d ()\-.]{5,}\d|\(?\d{2,4}\)?[ .\-]\d{3,4}[ .\-]\d{3,4})");
    std::string s(text);
    s = std::regex_replace(s, email, "<email>");
    s = std::regex_replace(s, phone, "<number>");
    return s;
}

} // namespace crmsync
