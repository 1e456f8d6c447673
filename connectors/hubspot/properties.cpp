// prepare(): the "shopify" property group and the custom properties of design.md §7.2, created when
// missing; every property the mapping writes must exist and be writable.
#include "connectors/hubspot/connector.hpp"
#include "connectors/hubspot/mapping.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <map>
#include <optional>

namespace crmsync::hubspot {

namespace json = boost::json;

boost::asio::awaitable<outcome<void>> hubspot_connector::ensure_group()
{
    auto r = co_await client_.call("GET", client_.properties_path() + "/groups/shopify", {}, endpoint_class::standard,
                                   priority::live, "property group lookup");
    if (!r)
        co_return r.error();
    if (r->status == 200)
        co_return outcome<void>{};
    if (r->status != 404)
        co_return permanent(fmt::format("HubSpot property group lookup: HTTP {}: {}", r->status, error_message(r->body)));
    json::object group{{"name", "shopify"}, {"label", "Shopify"}, {"displayOrder", -1}};
    auto c = co_await client_.call("POST", client_.properties_path() + "/groups", json::serialize(group),
                                   endpoint_class::standard, priority::live, "create property group shopify");
    if (!c)
        co_return c.error();
    if (c->status != 201 && c->status != 200 && c->status != 409)
        co_return permanent(fmt::format("HubSpot create property group shopify: HTTP {}: {}", c->status,
                                        error_message(c->body)));
    log_->info("created HubSpot contact property group 'shopify'");
    co_return outcome<void>{};
}

boost::asio::awaitable<outcome<hubspot_connector::property_survey>> hubspot_connector::survey_properties()
{
    auto list = co_await client_.call("GET", client_.properties_path(), {}, endpoint_class::standard, priority::live,
                                      "property list");
    if (!list)
        co_return list.error();
    if (list->status != 200 || !list->body.is_object())
        co_return permanent(fmt::format("HubSpot property list: HTTP {}: {}", list->status, error_message(list->body)));
    std::map<std::string, bool, std::less<>> existing; // name -> writable
    if (auto results = list->body.as_object().if_contains("results"); results && results->is_array()) {
        for (const auto& p : results->as_array()) {
            if (!p.is_object())
                continue;
            auto name = p.as_object().if_contains("name");
            if (!name || !name->is_string())
                continue;
            bool read_only = false;
            if (auto meta = p.as_object().if_contains("modificationMetadata"); meta && meta->is_object())
                if (auto ro = meta->as_object().if_contains("readOnlyValue"); ro && ro->is_bool())
                    read_only = ro->as_bool();
            existing.emplace(std::string(name->as_string()), !read_only);
        }
    }
    property_survey out;
    for (const auto& name : opts_.written_properties) {
        if (auto it = existing.find(name); it != existing.end()) {
            if (!it->second)
                out.read_only.push_back(name);
        } else {
            (find_custom_property(name) ? out.to_create : out.missing).push_back(name);
        }
    }
    co_return out;
}

namespace {

std::optional<failure> unusable(const std::vector<std::string>& missing, const std::vector<std::string>& read_only)
{
    if (missing.empty() && read_only.empty())
        return std::nullopt;
    std::string msg = "HubSpot contact properties used by sync.fields";
    if (!missing.empty())
        msg += fmt::format(" do not exist: {}", fmt::join(missing, ", "));
    if (!read_only.empty())
        msg += fmt::format("{} are read-only: {}", missing.empty() ? "" : ";", fmt::join(read_only, ", "));
    return permanent(msg + " (create them in HubSpot or change the mapping)");
}

} // namespace

boost::asio::awaitable<outcome<void>> hubspot_connector::prepare()
{
    auto survey = co_await survey_properties();
    if (!survey)
        co_return survey.error();
    if (auto f = unusable(survey->missing, survey->read_only))
        co_return *f;
    if (!survey->to_create.empty()) {
        auto g = co_await ensure_group();
        if (!g)
            co_return g.error();
    }
    for (const auto& name : survey->to_create) {
        const auto* def = find_custom_property(name);
        auto body = json::serialize(custom_property_json(*def));
        auto what = fmt::format("create property {}", name);
        auto c = co_await client_.call("POST", client_.properties_path(), std::move(body), endpoint_class::standard,
                                       priority::live, what);
        if (!c)
            co_return c.error();
        if (c->status != 201 && c->status != 200 && c->status != 409)
            co_return permanent(fmt::format("HubSpot create property {}: HTTP {}: {}", name, c->status,
                                            error_message(c->body)));
        log_->info("created HubSpot contact property '{}'{}", name, def->unique ? " (unique)" : "");
    }
    co_return outcome<void>{};
}

boost::asio::awaitable<outcome<std::vector<std::string>>> hubspot_connector::check()
{
    auto survey = co_await survey_properties();
    if (!survey)
        co_return survey.error();
    if (auto f = unusable(survey->missing, survey->read_only))
        co_return *f;
    std::vector<std::string> notes;
    notes.push_back(fmt::format("HubSpot: access works; {} of the {} contact properties the mapping writes exist "
                                "and are writable",
                                opts_.written_properties.size() - survey->to_create.size(),
                                opts_.written_properties.size()));
    for (const auto& name : survey->to_create)
        notes.push_back(fmt::format("HubSpot: contact property '{}' does not exist yet; crmsyncd creates it at start",
                                    name));
    co_return notes;
}

} // namespace crmsync::hubspot
