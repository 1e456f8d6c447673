#include "core/state_store.hpp"

#include "core/sqlite.hpp"
#include "core/state_schema.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <sqlite3.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace crmsync {

std::string encode_fields(const field_map& f)
{
    boost::json::object o;
    o.reserve(f.size());
    for (const auto& [k, v] : f)
        o.emplace(k, v);
    return boost::json::serialize(o);
}

field_map decode_fields(std::string_view json)
{
    field_map out;
    boost::system::error_code ec;
    auto v = boost::json::parse(json, ec);
    if (ec || !v.is_object())
        throw std::runtime_error(fmt::format("state store: corrupt field map: {}", json.substr(0, 80)));
    for (const auto& [k, val] : v.as_object())
        if (val.is_string())
            out.emplace(std::string(k), std::string(val.as_string()));
    return out;
}

namespace {

std::string describe_open_error(const std::string& path, const sqlite::error& e)
{
    switch (e.code()) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return fmt::format("state file {} is locked by another process (is another crmsyncd running?): {}", path, e.what());
    case SQLITE_READONLY:
        return fmt::format("state file {} is read-only; the daemon needs write access to it and its directory: {}", path,
                           e.what());
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
        return fmt::format("state file {} is not a crmsync state database or is corrupt; restore it from a backup or "
                           "move it away to start over: {}",
                           path, e.what());
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return fmt::format("cannot open state file {}: {}", path, e.what());
    case SQLITE_FULL:
        return fmt::format("state file {}: disk full: {}", path, e.what());
    default:
        return fmt::format("state file {}: {}", path, e.what());
    }
}

int take_lock(const std::string& path, std::string& error)
{
    std::string lock_path = path + ".lock";
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        error = fmt::format("cannot create lock file {}: {}", lock_path, std::strerror(errno));
        return -1;
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        ::close(fd);
        error = err == EWOULDBLOCK
                    ? fmt::format("state file {} is in use by another crmsyncd (lock {} is held)", path, lock_path)
                    : fmt::format("cannot lock {}: {}", lock_path, std::strerror(err));
        return -1;
    }
    return fd;
}

} // namespace

outcome<std::unique_ptr<state_store>> state_store::open(const std::string& path, open_options opts)
{
    if (path != ":memory:" && !opts.read_only) {
        std::error_code ec;
        auto dir = std::filesystem::path(path).parent_path();
        if (!dir.empty())
            std::filesystem::create_directories(dir, ec);
        if (ec)
            return permanent(fmt::format("cannot create state directory {}: {}", dir.string(), ec.message()));
    }
    int lock_fd = -1;
    if (opts.exclusive && path != ":memory:") {
        std::string error;
        lock_fd = take_lock(path, error);
        if (lock_fd < 0)
            return permanent(error);
    }
    try {
        auto db = std::make_unique<sqlite::connection>(path, opts.read_only);
        db->exec("PRAGMA busy_timeout=5000");
        // Touches the file header: a file that is not a database fails here, not later.
        db->exec("SELECT count(*) FROM sqlite_master");
        if (!opts.read_only) {
            if (sqlite3_db_readonly(db->raw(), "main") == 1)
                throw sqlite::error(SQLITE_READONLY, "opened read-only by the operating system");
            auto st = db->prepare("PRAGMA journal_mode=WAL");
            std::string mode = st.step() ? st.get_text(0) : std::string();
            if (mode != "wal" && path != ":memory:")
                throw sqlite::error(SQLITE_READONLY, "cannot switch to WAL mode (got '" + mode + "')");
            db->exec(opts.durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=OFF");
        }
        std::unique_ptr<state_store> store(new state_store(path, std::move(db), lock_fd));
        lock_fd = -1;
        int version = 0;
        {
            auto st = store->db_->prepare("PRAGMA user_version");
            if (st.step())
                version = static_cast<int>(st.get_int(0));
        }
        if (version > schema_version)
            return permanent(fmt::format("state file {} has schema version {}, newer than this crmsync understands ({}); "
                                         "run the newer version or restore a backup",
                                         path, version, schema_version));
        if (version < schema_version) {
            if (opts.read_only)
                return permanent(fmt::format("state file {} needs a schema upgrade; run the daemon once first", path));
            store->migrate();
        }
        return store;
    } catch (const sqlite::error& e) {
        if (lock_fd >= 0)
            ::close(lock_fd);
        return permanent(describe_open_error(path, e));
    }
}

std::string_view to_string(link_state s)
{
    switch (s) {
    case link_state::active: return "active";
    case link_state::quarantined: return "quarantined";
    case link_state::ambiguous: return "ambiguous";
    }
    return "?";
}

outcome<std::unique_ptr<state_store>> state_store::open_scratch_copy(const std::string& path)
{
    auto scratch = open(":memory:");
    if (!scratch || !std::filesystem::exists(path))
        return scratch;
    try {
        sqlite::connection source(path, true);
        source.exec("PRAGMA busy_timeout=5000");
        auto* backup = sqlite3_backup_init((*scratch)->db_->raw(), "main", source.raw(), "main");
        if (!backup)
            sqlite::throw_error((*scratch)->db_->raw(), sqlite3_errcode((*scratch)->db_->raw()), "backup");
        int rc = sqlite3_backup_step(backup, -1);
        sqlite3_backup_finish(backup);
        if (rc != SQLITE_DONE)
            sqlite::throw_error(source.raw(), rc, "copying the state file");
        (*scratch)->migrate();
    } catch (const sqlite::error& e) {
        return permanent(describe_open_error(path, e));
    }
    return scratch;
}

state_store::state_store(std::string path, std::unique_ptr<sqlite::connection> db, int lock_fd)
    : path_(std::move(path)), db_(std::move(db)), lock_fd_(lock_fd)
{
}

state_store::~state_store()
{
    db_.reset();
    if (lock_fd_ >= 0)
        ::close(lock_fd_);
}

void state_store::migrate()
{
    auto migrations = state_migrations();
    for (;;) {
        auto tx = begin();
        int version = 0;
        {
            auto st = db_->prepare("PRAGMA user_version");
            if (st.step())
                version = static_cast<int>(st.get_int(0));
        }
        if (version >= static_cast<int>(migrations.size()))
            return;
        db_->exec(migrations[static_cast<std::size_t>(version)]);
        db_->exec(fmt::format("PRAGMA user_version={}", version + 1));
        tx.commit();
    }
}

state_store::transaction::transaction(state_store& s) : store_(s)
{
    if (s.in_tx_)
        throw std::logic_error("state_store: nested transaction");
    s.db_->exec("BEGIN IMMEDIATE");
    s.in_tx_ = true;
}

state_store::transaction::~transaction()
{
    if (!open_)
        return;
    try {
        store_.db_->exec("ROLLBACK");
    } catch (const sqlite::error&) {
        // The transaction is gone either way (SQLite rolls back on some errors by itself).
    }
    store_.in_tx_ = false;
}

void state_store::transaction::commit()
{
    if (store_.commit_hook_)
        store_.commit_hook_(false);
    store_.db_->exec("COMMIT");
    open_ = false;
    store_.in_tx_ = false;
    if (store_.commit_hook_)
        store_.commit_hook_(true);
}

std::string state_store::integrity_check()
{
    auto st = db_->prepare("PRAGMA integrity_check");
    std::string out;
    while (st.step()) {
        if (!out.empty())
            out += "\n";
        out += st.get_text(0);
    }
    return out;
}

} // namespace crmsync
