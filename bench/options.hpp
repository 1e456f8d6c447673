#pragma once
// What the benchmarks' command lines and setups share: `--key value` options and flags read in order, and
// the sandbox with its emulated rate limits on or off.

#include "sandbox/sandbox.hpp"

#include <stdexcept>
#include <string>

namespace crmsync::bench {

class option_reader {
public:
    option_reader(int argc, char** argv) : argc_(argc), argv_(argv) {}
    // Moves to the next option; false when there is none left.
    bool next()
    {
        if (++i_ >= argc_)
            return false;
        key_ = argv_[i_];
        return true;
    }
    const std::string& key() const { return key_; }
    // The option's value (the argument after it).
    std::string value()
    {
        if (i_ + 1 >= argc_)
            throw std::runtime_error(key_ + " needs a value");
        return argv_[++i_];
    }
    [[noreturn]] void unknown() const { throw std::runtime_error("unknown option " + key_); }

private:
    int argc_;
    char** argv_;
    int i_ = 0;
    std::string key_;
};

// --limits on|off: the sandbox enforcing the APIs' documented rate limits, or none.
inline sandbox::sandbox_options sandbox_limits(bool on)
{
    sandbox::sandbox_options so;
    so.shopify.limits.enabled = on;
    so.hubspot.limits.enabled = on;
    return so;
}

} // namespace crmsync::bench
