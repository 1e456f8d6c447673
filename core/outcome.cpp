#include "core/outcome.hpp"

#include <boost/throw_exception.hpp>

#include <stdexcept>

namespace crmsync {

void throw_exception_from_error(const failure& f, const boost::source_location& loc)
{
    boost::throw_exception(std::runtime_error(f.message), loc);
}

} // namespace crmsync
