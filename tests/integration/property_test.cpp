// Property test of the two-way engine (design.md §4): random person edits on both sides, creates, deletes,
// e-mail changes, duplicated/reordered/stale observations, failed writes, lost responses and crashes
// (engine and state store dropped, the same SQLite file reopened) — then, with edits stopped, the
// invariants must hold. Seeds are printed on failure; CRMSYNC_PROPERTY_SEEDS / _STEPS scale the run.
#include "core/engine.hpp"
#include "core/normalize.hpp"
#include "tests/fakes/fake_side.hpp"
#include "tests/fakes/http_test_loop.hpp"
#include "tests/fakes/manual_clock.hpp"
#include "tests/fakes/temp_dir.hpp"

#include <boost/asio/io_context.hpp>
#include <doctest/doctest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <map>
#include <set>

using namespace crmsync;
using crmsync::test::fake_side;
using namespace std::chrono_literals;

namespace {

std::vector<field_spec> test_fields()
{
    return {
        {.name = "email", .shopify = "email", .crm = "email", .normalize = normalizer::email},
        {.name = "first_name", .shopify = "first_name", .crm = "first_name"},
        {.name = "last_name", .shopify = "last_name", .crm = "last_name"},
        {.name = "phone", .shopify = "phone", .crm = "phone", .normalize = normalizer::phone},
        {.name = "city", .shopify = "city", .crm = "city"},
        {.name = "pid", .shopify = "pid", .crm = "pid", .normalize = normalizer::exact},
    };
}

int env_int(const char* name, int fallback)
{
    const char* v = std::getenv(name);
    return v ? std::atoi(v) : fallback;
}

// CRMSYNC_PROPERTY_TRACE=<pid> prints what happened to one person.
const int trace_pid = env_int("CRMSYNC_PROPERTY_TRACE", 0);

class world {
public:
    world(std::uint64_t seed, delete_policy deletes)
        : rng_(seed), shop_("shop", clock_, seed * 7 + 1), crm_("crm", clock_, seed * 7 + 2, true), mapping_(test_fields())
    {
        settings_.sync.direction = sync_direction::two_way;
        settings_.sync.create_in_crm = true;
        settings_.sync.create_in_shopify = true;
        settings_.sync.deletes = deletes;
        settings_.sync.fields = test_fields();
        settings_.retry = retry_policy{.base = 100ms, .cap = 2s, .max_attempts = 3};
        settings_.shopify_overlap = 1500ms;
        settings_.crm_overlap = 1500ms;
        settings_.flap_limit = 1'000'000;
        settings_.seed = seed;
        path_ = dir_.file("state.db");
        open();
    }

    void open()
    {
        auto s = state_store::open(path_, {.exclusive = true, .durable = false});
        REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().message));
        store_ = std::move(*s);
        auto log = std::make_shared<spdlog::logger>("p", std::make_shared<spdlog::sinks::null_sink_mt>());
        if (trace_pid) {
            log = std::make_shared<spdlog::logger>("engine", std::make_shared<spdlog::sinks::stderr_sink_mt>());
            log->set_level(spdlog::level::debug);
        }
        engine_ = std::make_unique<engine>(io_.get_executor(), *store_, shop_, crm_, mapping_, settings_, clock_, log);
    }
    // Fails the n-th commit from now (n = 0: the next one) with an injected I/O error.
    void fail_commit_at(int n)
    {
        store_->set_commit_hook([n](bool committed) mutable {
            if (!committed && n-- == 0)
                throw std::runtime_error("injected commit failure");
        });
    }

    void crash()
    {
        if (trace_pid)
            MESSAGE("t=" << to_unix_ms(clock_.wall_now()) << " crash");
        engine_.reset();
        store_.reset();
        open();
        ++crashes;
    }

    fake_side& side_of(side s) { return s == side::shopify ? shop_ : crm_; }
    std::mt19937_64& rng() { return rng_; }
    test::manual_clock& clk() { return clock_; }
    state_store& store() { return *store_; }

    bool poll(side s) { return *test::run_task(io_, engine_->poll_once(s)); }
    void reconcile() { engine_->reconcile_pass(); }
    bool push(side s) { return *test::run_task(io_, engine_->push_once(s)); }
    bool sweep(side s) { return *test::run_task(io_, engine_->sweep_once(s)); }

    int crashes = 0;

private:
    std::mt19937_64 rng_;
    test::manual_clock clock_;
    fake_side shop_, crm_;
    field_mapping mapping_;
    engine_settings settings_;
    test::temp_dir dir_;
    std::string path_;
    boost::asio::io_context io_;
    std::unique_ptr<state_store> store_;
    std::unique_ptr<engine> engine_;
};

struct person_edit {
    std::string value; // canonical (normalized)
};

// What the generator did, to check the outcome against.
struct history {
    std::map<std::pair<int, std::string>, person_edit> last; // (pid, field) -> last person edit
    std::set<std::pair<int, side>> deleted;                   // pid deleted on side, after the engine saw it
    std::set<std::pair<int, side>> deleted_any;               // pid deleted on side, seen or not
    std::set<std::pair<int, std::string>> ever_empty;         // (pid, field) that has been empty at some point
    int next_pid = 1;
    int next_value = 1;
};

std::string pick(std::mt19937_64& rng, std::initializer_list<const char*> pool)
{
    auto i = std::uniform_int_distribution<std::size_t>(0, pool.size() - 1)(rng);
    return *(pool.begin() + static_cast<std::ptrdiff_t>(i));
}

int pid_of(const fake_side::fake_record& r) { return std::stoi(r.now().fields.at("pid")); }

void create_person(world& w, history& h, side s, bool both)
{
    int pid = h.next_pid++;
    auto email = "person" + std::to_string(pid) + "@example.com";
    field_map f{{"pid", std::to_string(pid)}, {"email", email}, {"first_name", pick(w.rng(), {"Ann", "Bo", "Cy", "Di"})}};
    if (w.rng()() % 2)
        f["city"] = pick(w.rng(), {"Ottawa", "Lyon", "Kyoto"});
    for (const char* field : {"last_name", "phone", "city"})
        if (!f.contains(field))
            h.ever_empty.insert({pid, field});
    auto created = w.side_of(s).person_create(f);
    if (trace_pid == pid)
        MESSAGE("t=" << to_unix_ms(w.clk().wall_now()) << " person creates " << to_string(s) << " " << created);
    if (both) {
        // The same person already known on the other side, e-mail typed differently.
        f["email"] = w.rng()() % 2 ? "  PERSON" + std::to_string(pid) + "@Example.com" : email;
        f["first_name"] = pick(w.rng(), {"Ann", "Anna", "Bo"});
        auto twin = w.side_of(other(s)).person_create(f);
        if (trace_pid == pid)
            MESSAGE("t=" << to_unix_ms(w.clk().wall_now()) << " person creates " << to_string(other(s)) << " " << twin);
    }
}

void random_edit(world& w, history& h)
{
    side s = w.rng()() % 2 ? side::shopify : side::crm;
    auto live = w.side_of(s).live();
    if (live.empty())
        return;
    const auto* r = live[std::uniform_int_distribution<std::size_t>(0, live.size() - 1)(w.rng())];
    int pid = pid_of(*r);
    std::string field = pick(w.rng(), {"first_name", "last_name", "phone", "city", "city", "email"});
    // Records are matched by e-mail: changing it before the engine has paired a person's records would make
    // two people of one (as it would with any e-mail matching), so e-mails change only once linked.
    if (field == "email") {
        auto link = w.store().link_by_remote(s, r->id);
        if (!link || link->shopify_id.empty() || link->crm_id.empty())
            return;
    }
    // Every value a person types is new (a counter makes it unique), so that no edit can restore a value the
    // engine saw before: an A -> B -> A change seen only as A is no change to anybody, and no snapshot-based
    // engine could tell. For the same reason a field is cleared at most once, and only if it was never empty.
    const int n = h.next_value++;
    std::string value;
    if (field == "email")
        value = "person" + std::to_string(pid) + "." + std::to_string(n) + "@example.com";
    else if (field == "phone")
        value = n % 2 ? "+1613" + std::to_string(1000000 + n) : "+44 20 " + std::to_string(10000000 + n);
    else
        value = pick(w.rng(), {"Ann", "Bea", "Cal", "Dot", "Ottawa", "Lyon"}) + std::string("-") + std::to_string(n);
    // Before a person's records are paired, a cleared field is indistinguishable from one never filled (the
    // first sync fills it from the other side): clear only paired records' fields.
    auto link = w.store().link_by_remote(s, r->id);
    // Paired and merged at least once (a fresh pair's first merge treats both sides as new).
    const bool paired = link && !link->shopify_id.empty() && !link->crm_id.empty() && !link->base.empty();
    if (field != "email" && paired && w.rng()() % 8 == 0 && !h.ever_empty.contains({pid, field}))
        value.clear();
    if (trace_pid == pid)
        MESSAGE("t=" << to_unix_ms(w.clk().wall_now()) << " person edits " << to_string(s) << " " << r->id << " " << field
                     << "='" << value << "'" << (paired ? " (paired, base " + encode_fields(link->base) + ")" : ""));
    const auto norm = field == "email" ? normalizer::email : field == "phone" ? normalizer::phone : normalizer::text;
    if (!w.side_of(s).person_edit(r->id, {{field, value}}))
        return;
    if (value.empty())
        h.ever_empty.insert({pid, field});
    h.last[{pid, field}] = {normalize(norm, value)};
}

void random_delete(world& w, history& h)
{
    side s = w.rng()() % 2 ? side::shopify : side::crm;
    auto live = w.side_of(s).live();
    if (live.empty())
        return;
    const auto* r = live[std::uniform_int_distribution<std::size_t>(0, live.size() - 1)(w.rng())];
    // A record deleted before the engine ever saw it cannot leave a trace: the person's record on the
    // other side is then, as far as anyone can tell, only there, and is created here as a new record.
    // Deleting one of a person's records only says "not there again" once the engine has paired it with
    // the other: before that, the other record is, as far as anyone can tell, someone only there.
    if (auto link = w.store().link_by_remote(s, r->id); link && !link->shopify_id.empty() && !link->crm_id.empty())
        h.deleted.insert({pid_of(*r), s});
    h.deleted_any.insert({pid_of(*r), s});
    if (trace_pid == pid_of(*r))
        MESSAGE("t=" << to_unix_ms(w.clk().wall_now()) << " person deletes " << to_string(s) << " " << r->id);
    w.side_of(s).person_delete(r->id);
}

// Runs the engine with no person edits and no write faults until nothing is left to do.
void quiesce(world& w)
{
    for (side s : {side::shopify, side::crm}) {
        w.side_of(s).faults.fail_write = 0;
        w.side_of(s).faults.lose_response = 0;
    }
    int quiet_rounds = 0;
    for (int round = 0; round < 200 && quiet_rounds < 3; ++round) {
        auto before = w.side_of(side::shopify).writes() + w.side_of(side::crm).writes();
        for (side s : {side::shopify, side::crm}) {
            w.poll(s);
            w.sweep(s);
        }
        w.reconcile();
        for (side s : {side::shopify, side::crm})
            while (w.push(s))
                w.reconcile();
        w.clk().advance(3s);
        auto c = w.store().counts();
        bool idle = c.pending == 0 && c.dirty == 0 &&
                    before == w.side_of(side::shopify).writes() + w.side_of(side::crm).writes();
        quiet_rounds = idle ? quiet_rounds + 1 : 0;
    }
    REQUIRE_MESSAGE(quiet_rounds >= 3, "the engine did not settle");
}

void check_invariants(world& w, const history& h, delete_policy deletes)
{
    // Conflicted (pid, field) pairs and links.
    std::set<std::int64_t> links_with_open_conflicts;
    std::set<std::pair<std::int64_t, std::string>> conflicted;
    for (const auto& c : w.store().conflicts(false, 1'000'000)) {
        conflicted.insert({c.link_id, c.field});
        if (!c.resolved_at_ms)
            links_with_open_conflicts.insert(c.link_id);
    }
    std::map<int, const fake_side::fake_record*> by_pid[2];
    for (side s : {side::shopify, side::crm}) {
        for (const auto* r : w.side_of(s).live()) {
            int pid = pid_of(*r);
            // No duplicates: one live record per person per side.
            CHECK_MESSAGE(!by_pid[static_cast<int>(s)].contains(pid), "duplicate of person " << pid << " on " << to_string(s));
            by_pid[static_cast<int>(s)][pid] = r;
            // Deletes never resurrect.
            CHECK_MESSAGE(!h.deleted.contains({pid, s}), "person " << pid << " re-created on " << to_string(s));
        }
    }
    field_mapping m(test_fields());
    for (const auto& person : by_pid[0]) {
        const auto& pid = person.first; // the checks capture it: not a structured binding (clang 14)
        const auto& shop_rec = person.second;
        auto crm_it = by_pid[1].find(pid);
        // (A record deleted before the engine saw it may still have been seen through a late, older
        // observation: then the engine knows it was deleted, and leaves the other record alone.)
        bool gone_elsewhere = h.deleted_any.contains({pid, side::crm});
        if (crm_it == by_pid[1].end()) {
            CHECK_MESSAGE(gone_elsewhere, "person " << pid << " exists only in Shopify");
            continue;
        }
        const auto* crm_rec = crm_it->second;
        auto link = w.store().link_by_remote(side::shopify, shop_rec->id);
        REQUIRE_MESSAGE(link, "person " << pid << " is not linked");
        CHECK_MESSAGE(link->crm_id == crm_rec->id, "person " << pid << " linked to the wrong CRM record");
        if (links_with_open_conflicts.contains(link->id))
            continue;
        if (trace_pid == pid) {
            for (const auto& c : w.store().conflicts(false, 1'000'000))
                if (c.link_id == link->id)
                    MESSAGE("conflict on link " << c.link_id << " " << c.field << " s='" << c.shopify_value << "' c='"
                                                << c.crm_value << "' winner " << c.winner << ": " << c.reason);
            MESSAGE("base: " << encode_fields(link->base));
        }
        auto a = m.to_canonical(side::shopify, shop_rec->now().fields);
        auto b = m.to_canonical(side::crm, crm_rec->now().fields);
        CHECK_MESSAGE(a == b, "person " << pid << " differs between the sides");
        for (const auto& last : h.last) {
            const auto& key = last.first;
            const auto& edit = last.second;
            if (key.first != pid)
                continue;
            auto v = a.contains(key.second) ? a.at(key.second) : std::string();
            CHECK_MESSAGE((v == edit.value || conflicted.contains({link->id, key.second})),
                          "person " << pid << " (link " << link->id << ") lost the edit of " << key.second << ": '"
                                    << edit.value << "', final '" << v << "'");
        }
    }
    for (const auto& person : by_pid[1])
        if (!by_pid[0].contains(person.first))
            CHECK_MESSAGE(h.deleted_any.contains({person.first, side::shopify}),
                          "person " << person.first << " exists only in the CRM");
    if (deletes == delete_policy::propagate)
        for (const auto& d : h.deleted)
            CHECK_MESSAGE(!by_pid[1 - static_cast<int>(d.second)].contains(d.first),
                          "deletion of " << d.first << " not propagated");
    CHECK(w.store().integrity_check() == "ok");
}

void run_seed(std::uint64_t seed, int steps)
{
    const auto deletes = seed % 2 ? delete_policy::propagate : delete_policy::keep;
    world w(seed, deletes);
    history h;
    if (trace_pid)
        for (side s : {side::shopify, side::crm})
            w.side_of(s).on_write = [&w, s](const write_op& op, const write_result& r, bool lost) {
                std::string fields;
                for (const auto& [k, v] : op.fields)
                    fields += k + "='" + v + "' ";
                auto id = r.id.empty() ? op.target_id : r.id;
                const auto& recs = w.side_of(s).records();
                auto it = recs.find(id);
                if (it != recs.end() && it->second.now().fields.contains("pid") &&
                    it->second.now().fields.at("pid") == std::to_string(trace_pid))
                    MESSAGE("t=" << to_unix_ms(w.clk().wall_now()) << " engine writes " << to_string(s) << " " << id
                                 << " kind " << static_cast<int>(op.kind) << " " << fields << std::string(lost ? "(response lost)" : ""));
            };
    for (int i = 0; i < 12; ++i)
        create_person(w, h, i % 2 ? side::crm : side::shopify, i % 3 == 0);
    for (side s : {side::shopify, side::crm}) {
        auto& f = w.side_of(s).faults;
        f = {.fail_write = 0.1, .lose_response = 0.1, .duplicate = 0.1, .stale = 0.1, .reorder = 0.2};
    }
    // Like Shopify, one side never reports deletions in its change feed: id reconciliation must find them.
    w.side_of(side::shopify).faults.feed_reports_deletes = false;
    std::uniform_int_distribution<int> dice(0, 99);
    for (int step = 0; step < steps; ++step) {
        int d = dice(w.rng());
        if (d < 25)
            random_edit(w, h);
        else if (d < 28)
            create_person(w, h, dice(w.rng()) % 2 ? side::shopify : side::crm, dice(w.rng()) < 20);
        else if (d < 29)
            random_delete(w, h);
        else if (d < 40)
            w.poll(side::shopify);
        else if (d < 51)
            w.poll(side::crm);
        else if (d < 66)
            w.reconcile();
        else if (d < 78)
            w.push(side::shopify);
        else if (d < 90)
            w.push(side::crm);
        else if (d < 92)
            w.crash();
        else if (d < 94)
            w.sweep(dice(w.rng()) % 2 ? side::shopify : side::crm);
        w.clk().advance(std::chrono::milliseconds{dice(w.rng()) * 20});
    }
    quiesce(w);
    check_invariants(w, h, deletes);
    // A further cycle, and a restart, make zero writes.
    auto writes = w.side_of(side::shopify).writes() + w.side_of(side::crm).writes();
    w.crash();
    quiesce(w);
    CHECK(w.side_of(side::shopify).writes() + w.side_of(side::crm).writes() == writes);
}

} // namespace

TEST_CASE("property: random edits, deletes, faults and crashes keep every invariant")
{
    const int seeds = env_int("CRMSYNC_PROPERTY_SEEDS", 30);
    const int steps = env_int("CRMSYNC_PROPERTY_STEPS", 2000);
    const auto first = static_cast<std::uint64_t>(env_int("CRMSYNC_PROPERTY_FIRST_SEED", 1));
    for (std::uint64_t seed = first; seed < first + static_cast<std::uint64_t>(seeds); ++seed) {
        CAPTURE(seed);
        INFO("replay with CRMSYNC_PROPERTY_FIRST_SEED=" << seed << " CRMSYNC_PROPERTY_SEEDS=1");
        run_seed(seed, steps);
    }
    MESSAGE(seeds << " seeds x " << steps << " steps");
}

TEST_CASE("fail-at-N: a first sync interrupted at every commit finishes without duplicates or damage")
{
    // How many commits a clean first sync makes, then fail at each of them in turn.
    auto first_sync = [](world& w) {
        for (int round = 0; round < 50; ++round) {
            for (side s : {side::shopify, side::crm})
                w.poll(s);
            w.reconcile();
            for (side s : {side::shopify, side::crm})
                while (w.push(s))
                    w.reconcile();
            w.clk().advance(3s);
            auto c = w.store().counts();
            if (c.pending == 0 && c.dirty == 0 && round > 1)
                return;
        }
    };
    auto seed_people = [](world& w, history& h) {
        for (int i = 0; i < 40; ++i)
            create_person(w, h, i % 2 ? side::crm : side::shopify, i % 3 == 0);
    };
    int failures = 0;
    for (int n = 0;; ++n) {
        CAPTURE(n);
        world w(1000 + static_cast<std::uint64_t>(n), delete_policy::keep);
        history h;
        seed_people(w, h);
        w.fail_commit_at(n);
        bool failed = false;
        try {
            first_sync(w);
        } catch (const std::exception& e) {
            failed = std::string(e.what()).find("injected commit failure") != std::string::npos;
            REQUIRE_MESSAGE(failed, e.what());
        }
        if (!failed)
            break; // the whole first sync fits in fewer than n commits
        ++failures;
        w.crash(); // reopen the same file, the hook gone
        quiesce(w);
        check_invariants(w, h, delete_policy::keep);
    }
    MESSAGE("first sync interrupted at each of " << failures << " commits");
    CHECK(failures > 20);
}
