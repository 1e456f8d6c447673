#include "sandbox/shopify/graphql_lexer.hpp"

#include <cctype>
#include <cstdint>
#include <vector>

namespace crmsync::sandbox::shopify {
namespace {

bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool name_continue(char c) { return name_start(c) || std::isdigit(static_cast<unsigned char>(c)); }

void append_utf8(std::string& out, std::uint32_t cp)
{
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Block string value per the spec: common indentation removed, blank first/last lines dropped.
std::string block_string_value(const std::string& raw)
{
    std::vector<std::string> lines;
    std::string cur;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '\r' || c == '\n') {
            lines.push_back(cur);
            cur.clear();
            if (c == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n')
                ++i;
        } else {
            cur += c;
        }
    }
    lines.push_back(cur);
    std::size_t common = std::string::npos;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        std::size_t indent = lines[i].find_first_not_of(" \t");
        if (indent == std::string::npos)
            continue;
        common = std::min(common, indent);
    }
    if (common != std::string::npos)
        for (std::size_t i = 1; i < lines.size(); ++i)
            lines[i].erase(0, std::min(common, lines[i].size()));
    auto blank = [](const std::string& s) { return s.find_first_not_of(" \t") == std::string::npos; };
    while (!lines.empty() && blank(lines.front()))
        lines.erase(lines.begin());
    while (!lines.empty() && blank(lines.back()))
        lines.pop_back();
    std::string out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (i)
            out += '\n';
        out += lines[i];
    }
    return out;
}

} // namespace

void lexer::advance(std::size_t n)
{
    for (std::size_t i = 0; i < n && pos_ < src_.size(); ++i) {
        char c = src_[pos_++];
        if (c == '\n' || (c == '\r' && peek() != '\n')) {
            ++line_;
            column_ = 1;
        } else if (c != '\r') {
            ++column_;
        }
    }
}

void lexer::skip_ignored()
{
    for (;;) {
        char c = peek();
        if (c == ' ' || c == '\t' || c == ',' || c == '\n' || c == '\r') {
            advance();
        } else if (c == '#') {
            while (pos_ < src_.size() && peek() != '\n' && peek() != '\r')
                advance();
        } else if (static_cast<unsigned char>(c) == 0xEF && static_cast<unsigned char>(peek(1)) == 0xBB &&
                   static_cast<unsigned char>(peek(2)) == 0xBF) {
            pos_ += 3;
        } else {
            return;
        }
    }
}

token lexer::next()
{
    skip_ignored();
    source_location loc{line_, column_};
    if (pos_ >= src_.size())
        return token{token_kind::eof, "", "", loc};
    char c = peek();
    if (c == '.' && peek(1) == '.' && peek(2) == '.') {
        advance(3);
        return token{token_kind::punct, "...", "...", loc};
    }
    if (std::string_view("!$&()[]{}:=@|").find(c) != std::string_view::npos) {
        advance();
        return token{token_kind::punct, std::string(1, c), std::string(1, c), loc};
    }
    if (name_start(c)) {
        std::size_t start = pos_;
        while (name_continue(peek()))
            advance();
        std::string s(src_.substr(start, pos_ - start));
        return token{token_kind::name, s, s, loc};
    }
    if (c == '-' || std::isdigit(static_cast<unsigned char>(c)))
        return lex_number(loc);
    if (c == '"') {
        if (peek(1) == '"' && peek(2) == '"')
            return lex_block_string(loc);
        return lex_string(loc);
    }
    advance();
    return token{token_kind::invalid, std::string(1, c), std::string(1, c), loc};
}

token lexer::lex_number(source_location loc)
{
    std::size_t start = pos_;
    bool is_float = false;
    if (peek() == '-')
        advance();
    if (!std::isdigit(static_cast<unsigned char>(peek())))
        return token{token_kind::invalid, std::string(src_.substr(start, pos_ - start)), "", loc};
    while (std::isdigit(static_cast<unsigned char>(peek())))
        advance();
    if (peek() == '.' && std::isdigit(static_cast<unsigned char>(peek(1)))) {
        is_float = true;
        advance();
        while (std::isdigit(static_cast<unsigned char>(peek())))
            advance();
    }
    if ((peek() == 'e' || peek() == 'E') &&
        (std::isdigit(static_cast<unsigned char>(peek(1))) ||
         ((peek(1) == '+' || peek(1) == '-') && std::isdigit(static_cast<unsigned char>(peek(2)))))) {
        is_float = true;
        advance(2);
        while (std::isdigit(static_cast<unsigned char>(peek())))
            advance();
    }
    std::string s(src_.substr(start, pos_ - start));
    if (name_start(peek()) || peek() == '.')
        return token{token_kind::invalid, s + peek(), s, loc};
    return token{is_float ? token_kind::float_value : token_kind::int_value, s, s, loc};
}

token lexer::lex_string(source_location loc)
{
    std::size_t start = pos_;
    advance();
    std::string out;
    for (;;) {
        if (pos_ >= src_.size() || peek() == '\n' || peek() == '\r')
            return token{token_kind::invalid, std::string(src_.substr(start, pos_ - start)), "", loc};
        char c = peek();
        if (c == '"') {
            advance();
            break;
        }
        if (c == '\\') {
            char e = peek(1);
            advance(2);
            switch (e) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                std::uint32_t cp = 0;
                for (int i = 0; i < 4; ++i) {
                    char h = peek();
                    if (!std::isxdigit(static_cast<unsigned char>(h)))
                        return token{token_kind::invalid, std::string(src_.substr(start, pos_ - start)), "", loc};
                    cp = cp * 16 + static_cast<std::uint32_t>(std::isdigit(static_cast<unsigned char>(h))
                                                                  ? h - '0'
                                                                  : std::tolower(static_cast<unsigned char>(h)) - 'a' + 10);
                    advance();
                }
                append_utf8(out, cp);
                break;
            }
            default:
                return token{token_kind::invalid, std::string(src_.substr(start, pos_ - start)), "", loc};
            }
            continue;
        }
        out += c;
        advance();
    }
    return token{token_kind::string_value, out, std::string(src_.substr(start, pos_ - start)), loc};
}

token lexer::lex_block_string(source_location loc)
{
    std::size_t start = pos_;
    advance(3);
    std::string raw;
    for (;;) {
        if (pos_ >= src_.size())
            return token{token_kind::invalid, std::string(src_.substr(start, pos_ - start)), "", loc};
        if (peek() == '"' && peek(1) == '"' && peek(2) == '"') {
            advance(3);
            break;
        }
        if (peek() == '\\' && peek(1) == '"' && peek(2) == '"' && peek(3) == '"') {
            raw += "\"\"\"";
            advance(4);
            continue;
        }
        raw += peek();
        advance();
    }
    return token{token_kind::block_string, block_string_value(raw), std::string(src_.substr(start, pos_ - start)), loc};
}

std::string describe_token(const token& t)
{
    switch (t.kind) {
    case token_kind::eof: return "end of file";
    case token_kind::name: return "IDENTIFIER (\"" + t.text + "\")";
    case token_kind::int_value: return "INT (\"" + t.text + "\")";
    case token_kind::float_value: return "FLOAT (\"" + t.text + "\")";
    case token_kind::string_value:
    case token_kind::block_string: return "STRING (\"" + t.text + "\")";
    case token_kind::invalid: return "invalid token (\"" + t.text + "\")";
    case token_kind::punct: break;
    }
    static const std::pair<const char*, const char*> names[] = {
        {"{", "LCURLY"}, {"}", "RCURLY"}, {"(", "LPAREN"}, {")", "RPAREN"}, {"[", "LBRACKET"},
        {"]", "RBRACKET"}, {":", "COLON"}, {"$", "VAR_SIGN"}, {"@", "DIR_SIGN"}, {"...", "ELLIPSIS"},
        {"=", "EQUALS"}, {"!", "BANG"}, {"|", "PIPE"}, {"&", "AMP"},
    };
    for (const auto& [p, n] : names)
        if (t.text == p)
            return std::string(n) + " (\"" + t.text + "\")";
    return "\"" + t.text + "\"";
}

} // namespace crmsync::sandbox::shopify
