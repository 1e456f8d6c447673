#include "core/connector.hpp"

#include "core/http_server.hpp"

namespace crmsync {

outcome<inbound_webhook> connector::verify_webhook(const http_server_request&) const
{
    return permanent("this connector does not receive webhooks", 404);
}

outcome<webhook_hint> connector::interpret_webhook(const inbound_webhook& w) const
{
    return permanent("this connector does not receive webhooks (topic " + w.topic + ")");
}

} // namespace crmsync
