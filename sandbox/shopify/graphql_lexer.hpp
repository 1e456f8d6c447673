#pragma once
// GraphQL lexer (October 2021 spec) shared by the document parser and the SDL loader.
// Commas, whitespace, BOM and comments are skipped. Errors are reported as tokens of kind `invalid`
// so the parser can phrase them the way Shopify does.

#include "sandbox/shopify/graphql_ast.hpp"

#include <string>
#include <string_view>

namespace crmsync::sandbox::shopify {

enum class token_kind { eof, punct, name, int_value, float_value, string_value, block_string, invalid };

struct token {
    token_kind kind = token_kind::eof;
    std::string text; // punctuator, name, number; decoded value for strings
    std::string raw;  // as written (strings keep their quotes)
    source_location loc;
};

class lexer {
public:
    explicit lexer(std::string_view src) : src_(src) {}
    token next();

private:
    char peek(std::size_t k = 0) const { return pos_ + k < src_.size() ? src_[pos_ + k] : '\0'; }
    void advance(std::size_t n = 1);
    void skip_ignored();
    token lex_number(source_location loc);
    token lex_string(source_location loc);
    token lex_block_string(source_location loc);

    std::string_view src_;
    std::size_t pos_ = 0;
    int line_ = 1;
    int column_ = 1;
};

// Shopify-style token description for syntax errors: `RCURLY ("}")`, `IDENTIFIER ("foo")`, `end of file`.
std::string describe_token(const token& t);

} // namespace crmsync::sandbox::shopify
