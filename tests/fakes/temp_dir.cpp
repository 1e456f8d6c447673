#include "tests/fakes/temp_dir.hpp"

#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace crmsync::test {

temp_dir::temp_dir()
{
    auto base = std::filesystem::temp_directory_path() / "crmsync-test-XXXXXX";
    std::string s = base.string();
    std::vector<char> buf(s.begin(), s.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data()))
        throw std::runtime_error("mkdtemp failed");
    path_ = buf.data();
}

temp_dir::~temp_dir()
{
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

} // namespace crmsync::test
