// $JOURNAL_STREAM names the stream systemd connected to stderr ("DEVICE:INODE"); journald priority
// prefixes are used only when stderr still is that stream. The daemon's actual lines are checked end to
// end in tests/e2e/logging_test.cpp.
#include "daemon/logging.hpp"
#include "tests/fakes/temp_dir.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace crmsync;

TEST_CASE("JOURNAL_STREAM counts only for the file it names")
{
    test::temp_dir dir;
    int fd = ::open(dir.file("stream").c_str(), O_WRONLY | O_CREAT, 0600);
    REQUIRE(fd >= 0);
    int other = ::open(dir.file("other").c_str(), O_WRONLY | O_CREAT, 0600);
    REQUIRE(other >= 0);
    struct stat st {};
    REQUIRE(::fstat(fd, &st) == 0);
    const auto env = fmt::format("{}:{}", st.st_dev, st.st_ino);

    CHECK(is_journal_stream(env, fd));
    CHECK_FALSE(is_journal_stream(env, other));
    CHECK_FALSE(is_journal_stream(fmt::format("{}:{}", st.st_dev, st.st_ino + 1), fd));
    CHECK_FALSE(is_journal_stream("", fd));
    CHECK_FALSE(is_journal_stream("garbage", fd));
    CHECK_FALSE(is_journal_stream(fmt::format("{}:", st.st_dev), fd));
    CHECK_FALSE(is_journal_stream(fmt::format("{}:{}x", st.st_dev, st.st_ino), fd));
    CHECK_FALSE(is_journal_stream(env, -1));
    ::close(fd);
    ::close(other);
}
