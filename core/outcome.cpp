#include "core/outcome.hpp"

#include <boost/throw_exception.hpp>

#include <ostream>
#include <stdexcept>

namespace crmsync {

std::ostream& operator<<(std::ostream& os, const failure& f)
{
    static constexpr const char* kinds[] = {"retry", "permanent", "paused"};
    return os << kinds[static_cast<int>(f.kind)] << ": " << f.message;
}

void throw_exception_from_error(const failure& f, const boost::source_location& loc)
{
    boost::throw_exception(std::runtime_error(f.message), loc);
}

} // namespace crmsync
