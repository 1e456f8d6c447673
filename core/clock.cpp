#include "core/clock.hpp"

namespace crmsync {
namespace {

class real_clock final : public clock {
public:
    steady_time now() const override { return std::chrono::steady_clock::now(); }
    wall_time wall_now() const override { return std::chrono::system_clock::now(); }
};

} // namespace

const clock& system_clock()
{
    static const real_clock instance;
    return instance;
}

} // namespace crmsync
