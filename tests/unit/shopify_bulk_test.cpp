// Reading a bulk export: children on their own lines with __parentId, in any order, are joined to their
// parent; pages continue from byte offsets; nothing but the index of children is kept in memory.
#include "connectors/shopify/bulk.hpp"
#include "connectors/shopify/mapping.hpp"
#include "tests/fakes/temp_dir.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <fstream>

using namespace crmsync;
namespace json = boost::json;

TEST_CASE("a JSONL export is read in pages with children joined whatever their order")
{
    test::temp_dir dir;
    auto path = dir.file("export.jsonl");
    {
        std::ofstream out(path);
        // Children before, between and after their parents (groupObjects: false gives no order).
        out << R"({"id":"gid://shopify/MailingAddress/9?model_name=CustomerAddress","city":"Lyon","__parentId":"gid://shopify/Customer/2"})" "\n";
        for (int i = 1; i <= 5; ++i)
            out << R"({"id":"gid://shopify/Customer/)" << i << R"(","updatedAt":"2026-11-20T10:00:0)" << i
                << R"(Z","firstName":"P)" << i << R"(","defaultEmailAddress":{"emailAddress":"p)" << i
                << R"(@example.com"}})" "\n";
        out << R"({"id":"gid://shopify/MailingAddress/8?model_name=CustomerAddress","city":"Kyoto","__parentId":"gid://shopify/Customer/5"})" "\n";
        out << R"({"id":"gid://shopify/MailingAddress/7?model_name=CustomerAddress","city":"Oslo","__parentId":"gid://shopify/Customer/2"})" "\n";
    }
    shopify::jsonl_export reader;
    REQUIRE(reader.open(path).has_value());
    CHECK(reader.children() == 3);
    std::vector<json::object> all;
    std::uint64_t at = 0;
    for (int pages = 0; pages < 10; ++pages) {
        auto batch = reader.read(at, 2);
        REQUIRE(batch.has_value());
        all.insert(all.end(), batch->objects.begin(), batch->objects.end());
        at = batch->next;
        if (batch->done)
            break;
    }
    REQUIRE(all.size() == 5);
    CHECK(all[1].at("__children").as_array().size() == 2);
    CHECK(all[4].at("__children").as_array().size() == 1);
    CHECK(all[0].at("__children").as_array().empty());
    auto rec = shopify::customer_from_json(all[2]);
    REQUIRE(rec.has_value());
    CHECK(rec->id == "3");
    CHECK(rec->fields.at("email") == "p3@example.com");
}

TEST_CASE("a malformed line is an error naming the file, not a crash")
{
    test::temp_dir dir;
    auto path = dir.file("bad.jsonl");
    std::ofstream(path) << "{\"id\":\"gid://shopify/Customer/1\"}\n{not json\n";
    shopify::jsonl_export reader;
    REQUIRE(reader.open(path).has_value());
    auto batch = reader.read(0, 10);
    REQUIRE_FALSE(batch.has_value());
    CHECK(batch.error().message.find("malformed line") != std::string::npos);
}
