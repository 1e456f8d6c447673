#include "core/iso8601.hpp"
#include "core/mapping.hpp"
#include "core/normalize.hpp"
#include "core/redact.hpp"

#include <doctest/doctest.h>

using namespace crmsync;

TEST_CASE("normalizers make reformatted values compare equal")
{
    CHECK(normalize_email("  Jane.Doe@Example.COM ") == "jane.doe@example.com");
    CHECK(normalize_text("  Jane \t  Doe\n") == "Jane Doe");
    CHECK(normalize_phone("(613) 555-0142") == "+16135550142");
    CHECK(normalize_phone("+1 613 555 0142") == "+16135550142");
    CHECK(normalize_phone("0044 20 7946 0958") == "+442079460958");
    CHECK(normalize_phone("+44 (0)20-7946-0958") == "+4402079460958");
    CHECK(normalize_phone("613.555.0142 x12") == "+16135550142;ext=12");
    CHECK(normalize_phone("") == "");
    CHECK(normalize_tags("vip, Referral ,vip,,  b2b") == "Referral, b2b, vip");
    CHECK(normalize_tags("") == "");
    CHECK(normalize_decimal("11884.90") == "11884.9");
    CHECK(normalize_decimal("13.000") == "13");
    CHECK(normalize_decimal("007") == "7");
    CHECK(normalize_decimal("-0.50") == "-0.5");
    CHECK(normalize_decimal("abc") == "abc");
    CHECK(normalize(normalizer::exact, " A ") == " A ");
}

TEST_CASE("the mapping turns vocabularies into canonical fields and back, by direction")
{
    field_mapping m({
        {.name = "email", .shopify = "email", .crm = "email", .direction = field_direction::both, .normalize = normalizer::email},
        {.name = "city", .shopify = "defaultAddress.city", .crm = "city", .direction = field_direction::both},
        {.name = "tags", .shopify = "tags", .crm = "shopify_tags", .direction = field_direction::to_crm, .normalize = normalizer::tags},
    });
    auto canon = m.to_canonical(side::shopify, field_map{{"email", " A@B.com"}, {"defaultAddress.city", " Ottawa "},
                                                          {"tags", "b, a"}, {"note", "unmapped"}, {"firstName", "  "}});
    CHECK(canon == field_map{{"email", "a@b.com"}, {"city", "Ottawa"}, {"tags", "a, b"}});
    CHECK(m.to_side(side::crm, canon) == field_map{{"email", "a@b.com"}, {"city", "Ottawa"}, {"shopify_tags", "a, b"}});
    // tags only flow to the CRM.
    CHECK(m.to_side(side::shopify, canon) == field_map{{"email", "a@b.com"}, {"defaultAddress.city", "Ottawa"}});
    // An explicit empty value is a clear and is kept.
    CHECK(m.to_side(side::crm, field_map{{"city", ""}}) == field_map{{"city", ""}});
}

TEST_CASE("ISO-8601 timestamps as the APIs write them")
{
    CHECK(parse_iso8601_ms("2026-05-06T02:40:36Z") == 1778035236000);
    CHECK(parse_iso8601_ms("2024-09-11T13:27:39.356Z") == 1726061259356);
    CHECK(parse_iso8601_ms("2021-12-31T19:00:00-05:00") == parse_iso8601_ms("2022-01-01T00:00:00Z"));
    CHECK_FALSE(parse_iso8601_ms("yesterday").has_value());
    CHECK_FALSE(parse_iso8601_ms("2026-13-01T00:00:00Z").has_value());
    CHECK(format_iso8601(1778035236999) == "2026-05-06T02:40:36Z");
    CHECK(format_iso8601_ms(1726061259356) == "2024-09-11T13:27:39.356Z");
}

TEST_CASE("redaction keeps ids and removes e-mail addresses and phone numbers")
{
    auto r = redact("Email address Jane.Doe@example.com is invalid for contact 541935488729; phone +1 613 555 0142");
    CHECK(r.find("Jane") == std::string::npos);
    CHECK(r.find("555") == std::string::npos);
    CHECK(r.find("541935488729") != std::string::npos);
    CHECK(r.find("<email>") != std::string::npos);
}
