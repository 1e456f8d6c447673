#include "core/sqlite.hpp"
#include "core/state_store.hpp"
#include "tests/fakes/temp_dir.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <sqlite3.h>
#include <unistd.h>

using namespace crmsync;

namespace {

std::unique_ptr<state_store> open_ok(const std::string& path, open_options o = {})
{
    auto r = state_store::open(path, o);
    REQUIRE_MESSAGE(r.has_value(), (r.has_value() ? "" : r.error().message));
    return std::move(*r);
}

std::string open_error(const std::string& path, open_options o = {})
{
    auto r = state_store::open(path, o);
    REQUIRE_FALSE(r.has_value());
    return r.error().message;
}

std::string pragma(const std::string& path, const std::string& name)
{
    sqlite::connection c(path, true);
    auto st = c.prepare("PRAGMA " + name);
    REQUIRE(st.step());
    return st.get_text(0);
}

record rec(std::string id, std::int64_t updated, field_map f, bool deleted = false)
{
    return record{std::move(id), updated, std::move(f), deleted};
}

} // namespace

TEST_CASE("a new state file is created in WAL mode with synchronous=FULL and the current schema")
{
    test::temp_dir dir;
    auto path = dir.file("sub/dir/state.db");
    {
        auto s = open_ok(path);
        CHECK(s->integrity_check() == "ok");
        // synchronous is per connection; check it on ours.
        auto c = sqlite::connection(path, true);
    }
    CHECK(pragma(path, "journal_mode") == "wal");
    CHECK(pragma(path, "user_version") == std::to_string(state_store::schema_version));
}

TEST_CASE("reopening keeps data and does not re-run migrations")
{
    test::temp_dir dir;
    auto path = dir.file("state.db");
    {
        auto s = open_ok(path);
        auto tx = s->begin();
        s->set_cursor(side::shopify, "poll", "2026-11-26T10:00:00Z", 1);
        tx.commit();
    }
    auto s = open_ok(path);
    CHECK(s->cursor(side::shopify, "poll") == "2026-11-26T10:00:00Z");
    CHECK_FALSE(s->cursor(side::crm, "poll").has_value());
}

TEST_CASE("a state file from a newer version is refused with a clear message")
{
    test::temp_dir dir;
    auto path = dir.file("state.db");
    open_ok(path);
    {
        sqlite::connection c(path, false);
        c.exec("PRAGMA user_version=99");
    }
    auto msg = open_error(path);
    CHECK(msg.find("schema version 99") != std::string::npos);
    CHECK(msg.find("newer") != std::string::npos);
}

TEST_CASE("a file that is not a database is refused, not crashed on")
{
    test::temp_dir dir;
    auto path = dir.file("state.db");
    std::ofstream(path) << std::string(4096, 'x');
    auto msg = open_error(path);
    CHECK(msg.find("not a crmsync state database or is corrupt") != std::string::npos);
}

TEST_CASE("a read-only state file is refused with a clear message")
{
    test::temp_dir dir;
    auto path = dir.file("state.db");
    open_ok(path);
    // root ignores permission bits, so make the file immutable instead when running as root.
    bool root = ::geteuid() == 0;
    std::string cmd = root ? "chattr +i '" + path + "' 2>/dev/null" : "chmod 0444 '" + path + "'";
    if (std::system(cmd.c_str()) != 0) {
        MESSAGE("cannot make the file read-only here; skipping");
        return;
    }
    auto msg = open_error(path);
    if (root)
        CHECK(std::system(("chattr -i '" + path + "'").c_str()) == 0);
    CHECK(msg.find("read-only") != std::string::npos);
}

TEST_CASE("the exclusive lock keeps a second daemon off the same state file")
{
    test::temp_dir dir;
    auto path = dir.file("state.db");
    auto first = open_ok(path, {.exclusive = true});
    auto msg = open_error(path, {.exclusive = true});
    CHECK(msg.find("in use by another crmsyncd") != std::string::npos);
    // Readers without the lock (the CLI) still get in.
    open_ok(path, {.read_only = true});
    first.reset();
    open_ok(path, {.exclusive = true});
}

TEST_CASE("a write held by another connection beyond busy_timeout is reported as locked")
{
    test::temp_dir dir;
    auto path = dir.file("state.db");
    auto s = open_ok(path);
    sqlite::connection other(path, false);
    other.exec("PRAGMA busy_timeout=0");
    auto tx = s->begin();
    CHECK_THROWS_AS(other.exec("BEGIN IMMEDIATE"), sqlite::error);
}

TEST_CASE("transactions commit atomically and roll back when dropped or when the commit fails")
{
    test::temp_dir dir;
    auto s = open_ok(dir.file("state.db"));
    {
        auto tx = s->begin();
        s->set_cursor(side::crm, "poll", "a", 1);
    } // dropped
    CHECK_FALSE(s->cursor(side::crm, "poll").has_value());

    s->set_commit_hook([](bool committed) { if (!committed) throw std::runtime_error("injected commit failure"); });
    {
        auto tx = s->begin();
        s->observe(side::shopify, rec("1", 10, {{"email", "a@x.com"}}), 1);
        s->set_cursor(side::shopify, "poll", "c1", 1);
        CHECK_THROWS(tx.commit());
    }
    CHECK_FALSE(s->cursor(side::shopify, "poll").has_value());
    CHECK_FALSE(s->link_by_remote(side::shopify, "1").has_value());

    s->set_commit_hook({});
    auto tx = s->begin();
    s->observe(side::shopify, rec("1", 10, {{"email", "a@x.com"}}), 1);
    s->set_cursor(side::shopify, "poll", "c1", 1);
    tx.commit();
    CHECK(s->cursor(side::shopify, "poll") == "c1");
    CHECK(s->link_by_remote(side::shopify, "1").has_value());
    CHECK_THROWS_AS((void)(s->begin(), s->begin()), std::logic_error);
}

TEST_CASE("observe keeps the newest snapshot and marks links dirty only on content changes")
{
    test::temp_dir dir;
    auto s = open_ok(dir.file("state.db"));
    auto first = s->observe(side::shopify, rec("7", 100, {{"first_name", "Ann"}}), 1);
    CHECK(first.new_link);
    CHECK(first.changed);
    CHECK(s->dirty_links(10) == std::vector<std::int64_t>{first.link_id});
    s->set_dirty(first.link_id, false);

    // Same content, newer stamp: stored, not dirty.
    auto again = s->observe(side::shopify, rec("7", 150, {{"first_name", "Ann"}}), 2);
    CHECK_FALSE(again.changed);
    CHECK(s->snapshot(first.link_id, side::shopify)->updated_at_ms == 150);
    CHECK(s->dirty_links(10).empty());

    // Older observation (late webhook, reordered page): ignored.
    auto late = s->observe(side::shopify, rec("7", 120, {{"first_name", "Old"}}), 3);
    CHECK_FALSE(late.changed);
    CHECK(s->snapshot(first.link_id, side::shopify)->fields.at("first_name") == "Ann");

    // Newer with new content: stored and dirty.
    auto edit = s->observe(side::shopify, rec("7", 200, {{"first_name", "Anne"}}), 4);
    CHECK(edit.changed);
    CHECK(s->snapshot(first.link_id, side::shopify)->fields.at("first_name") == "Anne");
    CHECK(s->dirty_links(10).size() == 1);

    // A delete of a record never seen is ignored.
    CHECK(s->observe(side::crm, rec("99", 1, {}, true), 5).link_id == 0);
}

TEST_CASE("the outbox keeps one pending write per link and target, versioned")
{
    test::temp_dir dir;
    auto s = open_ok(dir.file("state.db"));
    auto l = s->observe(side::shopify, rec("1", 1, {{"email", "a@x.com"}}), 1).link_id;
    auto l2 = s->observe(side::shopify, rec("2", 1, {{"email", "b@x.com"}}), 1).link_id;
    s->enqueue(l, side::crm, write_kind::create, {{"email", "a@x.com"}}, priority::backfill, 1000);
    s->enqueue(l2, side::crm, write_kind::create, {{"email", "b@x.com"}}, priority::live, 1000);
    auto due = s->due(side::crm, 1000, 10);
    REQUIRE(due.size() == 2);
    CHECK(due[0].link_id == l2); // live before backfill
    CHECK(s->due(side::shopify, 1000, 10).empty());
    CHECK(s->due(side::crm, 999, 10).empty());

    auto row = due[1];
    s->enqueue(l, side::crm, write_kind::create, {{"email", "a@x.com"}, {"first_name", "A"}}, priority::backfill, 1001);
    CHECK_FALSE(s->complete(row.id, row.version)); // re-planned meanwhile: kept
    auto current = s->outbox_entry(row.id);
    REQUIRE(current);
    CHECK(current->fields.size() == 2);
    CHECK(s->complete(current->id, current->version));
    CHECK_FALSE(s->outbox_entry(row.id).has_value());

    s->reschedule(due[0].id, 3, 5000, "HTTP 500");
    CHECK(s->next_due_ms(side::crm) == 5000);
    auto r2 = *s->outbox_entry(due[0].id);
    CHECK(r2.attempts == 3);
    CHECK(r2.last_error == "HTTP 500");
    s->to_dead_letter(r2, "VALIDATION_ERROR: bad email", 6000);
    CHECK(s->counts().pending == 0);
    CHECK(s->counts().dead_letters == 1);
    CHECK(s->dead_letters(10).at(0).error == "VALIDATION_ERROR: bad email");
}

TEST_CASE("the webhook inbox de-duplicates and prunes")
{
    test::temp_dir dir;
    auto s = open_ok(dir.file("state.db"));
    CHECK(s->inbox_add("shopify", "customers/update", "customers/update:e1", "{}", 100));
    CHECK_FALSE(s->inbox_add("shopify", "customers/update", "customers/update:e1", "{}", 200));
    CHECK(s->inbox_add("shopify", "customers/update", "customers/update:e2", "{}", 300));
    auto pending = s->inbox_pending(10);
    REQUIRE(pending.size() == 2);
    s->inbox_done(pending[0].id, 400);
    CHECK(s->inbox_pending(10).size() == 1);
    s->prune_inbox(250);
    // e1's key is forgotten after the retention window; e2's is kept.
    CHECK(s->inbox_add("shopify", "customers/update", "customers/update:e1", "{}", 500));
    CHECK_FALSE(s->inbox_add("shopify", "customers/update", "customers/update:e2", "{}", 500));
}

TEST_CASE("a deletion reported without a time is final - one with an older time is not")
{
    test::temp_dir dir;
    auto s = open_ok(dir.file("state.db"));
    auto l = s->observe(side::shopify, rec("5", 500, {{"email", "a@x.com"}}), 1).link_id;
    CHECK_FALSE(s->observe(side::shopify, rec("5", 400, {}, true), 2).changed); // late and older: ignored
    CHECK_FALSE(s->snapshot(l, side::shopify)->deleted);
    CHECK(s->observe(side::shopify, rec("5", 0, {}, true), 3).changed); // a batch read no longer finds it
    CHECK(s->snapshot(l, side::shopify)->deleted);
    // An unknown record deleted before it was ever seen leaves a tombstone: a late live copy is ignored.
    CHECK(s->observe(side::crm, rec("77", 0, {}, true), 4).link_id == 0);
    CHECK(s->observe(side::crm, rec("77", 100, {{"email", "b@x.com"}}), 5).link_id == 0);
}

TEST_CASE("audit ledger: newest first, at most audit_per_link entries per person, pruned by age")
{
    test::temp_dir dir;
    auto store = open_ok(dir.file("state.db"));
    auto& s = *store;
    for (int i = 0; i < state_store::audit_per_link + 10; ++i)
        s.audit(1, "entry " + std::to_string(i), 1000 + i);
    s.audit(2, "other person", 5000);
    auto mine = s.audit_of(1, 1000);
    REQUIRE(mine.size() == static_cast<std::size_t>(state_store::audit_per_link));
    CHECK(mine.front().entry == "entry " + std::to_string(state_store::audit_per_link + 9));
    CHECK(mine.back().entry == "entry 10");
    s.prune_audit(1000 + 30);
    CHECK(s.audit_of(1, 1000).size() == static_cast<std::size_t>(state_store::audit_per_link + 10 - 30));
    CHECK(s.audit_of(2, 10).size() == 1);
}
