#pragma once
// A thin RAII layer over the SQLite C API: a connection with a statement cache, and statements with
// typed binding and reading. Errors throw sqlite_error (infrastructure tier): the state store turns
// the ones an operator can act on (locked, read-only, corrupt, full) into clear messages.

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace crmsync::sqlite {

class error : public std::runtime_error {
public:
    error(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
    int code() const { return code_; } // primary SQLite result code (SQLITE_BUSY, SQLITE_CORRUPT, ...)

private:
    int code_;
};

class statement {
public:
    statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;
    statement(statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
    ~statement(); // resets (the prepared statement itself belongs to the connection's cache)

    statement& bind(int index, std::int64_t v);
    statement& bind(int index, int v) { return bind(index, static_cast<std::int64_t>(v)); }
    statement& bind(int index, std::string_view v);
    statement& bind(int index, const std::string& v) { return bind(index, std::string_view(v)); }
    statement& bind(int index, const char* v) { return bind(index, std::string_view(v)); }
    statement& bind_null(int index);
    statement& bind(int index, const std::optional<std::string>& v)
    {
        return v ? bind(index, std::string_view(*v)) : bind_null(index);
    }

    // Advances to the next row; false when done.
    bool step();
    // Runs a statement that returns no rows.
    void exec();
    // Makes the statement ready to be bound and run again.
    void reset();

    std::int64_t get_int(int col) const;
    std::string get_text(int col) const;
    bool is_null(int col) const;

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_;
};

class connection {
public:
    // Opens (creating if allowed) the database. Throws sqlite::error.
    connection(const std::string& path, bool read_only);
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    // A cached prepared statement, reset and ready to bind. Only one use of the same SQL at a time.
    statement prepare(std::string_view sql);
    // Runs one or more statements without results.
    void exec(std::string_view sql);
    std::int64_t last_insert_rowid() const;
    int changes() const;
    sqlite3* raw() const { return db_; }

private:
    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

[[noreturn]] void throw_error(sqlite3* db, int rc, std::string_view context);

} // namespace crmsync::sqlite
