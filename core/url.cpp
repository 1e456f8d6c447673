#include "core/url.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <cctype>

namespace crmsync {

outcome<parsed_url> parse_url(std::string_view text)
{
    auto r = boost::urls::parse_absolute_uri(text);
    if (!r)
        return permanent(std::string("not an absolute URL: ") + r.error().message());
    const boost::urls::url_view& u = *r;
    parsed_url out;
    out.scheme = u.scheme();
    for (auto& c : out.scheme)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (out.scheme != "http" && out.scheme != "https")
        return permanent(std::string("unsupported scheme '") + out.scheme + "' (http or https)");
    if (!u.has_authority() || u.host().empty())
        return permanent(std::string("missing host"));
    if (u.has_userinfo())
        return permanent(std::string("credentials in the URL are not allowed"));
    if (u.host_type() == boost::urls::host_type::ipv6)
        out.host = u.host_ipv6_address().to_string();
    else
        out.host = u.host_address();
    if (u.has_port()) {
        if (u.port_number() == 0)
            return permanent(std::string("invalid port '") + std::string(u.port()) + "'");
        out.port = u.port_number();
    } else {
        out.port = out.scheme == "https" ? 443 : 80;
    }
    std::string path(u.encoded_path());
    out.target = path.empty() ? "/" : path;
    if (u.has_query())
        out.target += "?" + std::string(u.encoded_query());
    return out;
}

bool is_loopback_host(std::string_view host)
{
    if (host == "localhost")
        return true;
    boost::system::error_code ec;
    auto addr = boost::asio::ip::make_address(host, ec);
    return !ec && addr.is_loopback();
}

std::string url_encode(std::string_view s)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

} // namespace crmsync
