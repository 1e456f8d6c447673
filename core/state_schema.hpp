#pragma once
// The state store's schema as forward migrations: state_migrations()[i] upgrades user_version i to i+1.

#include <span>
#include <string_view>

namespace crmsync {

std::span<const std::string_view> state_migrations();

} // namespace crmsync
