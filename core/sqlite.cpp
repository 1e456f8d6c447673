#include "core/sqlite.hpp"

#include <sqlite3.h>

#include <fmt/format.h>

namespace crmsync::sqlite {

void throw_error(sqlite3* db, int rc, std::string_view context)
{
    const char* msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    throw error(rc & 0xff, fmt::format("{}: {} ({})", context, msg, sqlite3_errstr(rc)));
}

statement::~statement()
{
    if (stmt_) {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
}

statement& statement::bind(int index, std::int64_t v)
{
    if (int rc = sqlite3_bind_int64(stmt_, index, v); rc != SQLITE_OK)
        throw_error(db_, rc, "bind");
    return *this;
}

statement& statement::bind(int index, std::string_view v)
{
    if (int rc = sqlite3_bind_text64(stmt_, index, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8); rc != SQLITE_OK)
        throw_error(db_, rc, "bind");
    return *this;
}

statement& statement::bind_null(int index)
{
    if (int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK)
        throw_error(db_, rc, "bind");
    return *this;
}

bool statement::step()
{
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    throw_error(db_, rc, sqlite3_sql(stmt_));
}

void statement::exec()
{
    while (step()) {
    }
}

void statement::reset()
{
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

std::int64_t statement::get_int(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string statement::get_text(int col) const
{
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
}

bool statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

connection::connection(const std::string& path, bool read_only)
{
    int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    flags |= SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw error(rc & 0xff, fmt::format("cannot open {}: {}", path, msg));
    }
    sqlite3_extended_result_codes(db_, 1);
}

connection::~connection()
{
    for (auto& [sql, stmt] : cache_)
        sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
}

statement connection::prepare(std::string_view sql)
{
    auto it = cache_.find(std::string(sql));
    if (it == cache_.end()) {
        sqlite3_stmt* stmt = nullptr;
        int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                                    nullptr);
        if (rc != SQLITE_OK)
            throw_error(db_, rc, sql);
        it = cache_.emplace(std::string(sql), stmt).first;
    }
    return statement(db_, it->second);
}

void connection::exec(std::string_view sql)
{
    std::string s(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throw error(rc & 0xff, fmt::format("{}: {}", s.substr(0, 60), msg));
    }
}

std::int64_t connection::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

int connection::changes() const { return sqlite3_changes(db_); }

} // namespace crmsync::sqlite
