#pragma once
// config_section over yaml-cpp. Internal to config/: nothing outside this folder sees YAML::Node.
//
// One yaml_document per parsed text owns what all of its sections share: the source name, the
// environment lookup, the error sink and, for every mapping handed out as a section, the keys its
// reader asked for. finish() reports the keys nobody asked for. Nothing here throws on bad input;
// every problem becomes a config_error. Not thread-safe: a document lives for one parse.

#include "config/config.hpp"
#include "core/config_section.hpp"

#include <yaml-cpp/yaml.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace crmsync::config_detail {

class yaml_section;

// "a mapping", "a list", "an empty value" or the quoted scalar: what was found, for error messages.
std::string describe(const YAML::Node& n);

// Reads a whole file (configuration or secret); false with strerror's text in `error` on failure.
bool read_text_file(const std::string& path, std::string& content, std::string& error);

class yaml_document {
public:
    // `errors` must outlive the document; problems are appended to it.
    yaml_document(std::string source, const env_lookup& env, std::vector<config_error>& errors);

    // Parses `text`. False (error recorded with its position) on a YAML syntax error or when the
    // text holds more than one document.
    bool load(std::string_view text);

    // The top-level mapping; nullptr (error recorded) when the document is empty or not a mapping.
    std::unique_ptr<yaml_section> root_section();
    // The items of a top-level sequence, named "<path>[i]"; empty (error recorded) otherwise.
    std::vector<std::unique_ptr<config_section>> root_items(const std::string& path);

    // Reports unknown and duplicate keys in every mapping handed out as a section.
    void finish();

    const std::string& source() const { return source_; }

private:
    friend class yaml_section;

    struct tracked_map {
        YAML::Node node;
        std::set<std::string, std::less<>> known;
        bool accept_all = false;
    };

    void add_error(const YAML::Mark& at, std::string key_path, std::string message);
    tracked_map& track(const std::string& path, const YAML::Node& node);
    std::vector<std::unique_ptr<config_section>> items(const YAML::Node& seq, const std::string& path);
    // Expands ${VAR} (and the escape $${ for a literal "${"); nullopt after recording an error.
    std::optional<std::string> expand(const std::string& raw, const YAML::Mark& at, const std::string& key_path);

    std::string source_;
    const env_lookup& env_;
    std::vector<config_error>& errors_;
    YAML::Node root_;
    std::map<std::string, tracked_map, std::less<>> maps_; // by dotted path; node addresses are stable
};

class yaml_section final : public config_section {
public:
    enum class kind { absent, null, scalar, sequence, mapping };

    // `anchor` is where errors about the section itself (a missing key) point: the key that
    // introduced the mapping, or the list item.
    yaml_section(yaml_document& doc, YAML::Node node, std::string path, YAML::Mark anchor);

    std::string path() const override { return path_; }
    bool has(std::string_view key) const override;
    std::optional<std::string> get_string(std::string_view key) override;
    std::optional<std::string> get_secret(std::string_view key) override;
    std::optional<bool> get_bool(std::string_view key) override;
    std::optional<std::int64_t> get_int(std::string_view key, std::int64_t min, std::int64_t max) override;
    std::optional<double> get_double(std::string_view key, double min, double max) override;
    std::optional<std::chrono::milliseconds> get_duration(std::string_view key, std::chrono::milliseconds min,
                                                          std::chrono::milliseconds max) override;
    std::optional<std::string> get_enum(std::string_view key, std::span<const std::string_view> allowed) override;
    std::optional<std::string> get_url(std::string_view key) override;
    std::optional<std::vector<std::string>> get_string_list(std::string_view key) override;
    std::unique_ptr<config_section> get_section(std::string_view key) override;
    std::vector<std::unique_ptr<config_section>> get_section_list(std::string_view key) override;
    void error(std::string_view key, std::string message) override;

    // The concrete type of get_section, for the loader's own use.
    std::unique_ptr<yaml_section> section(std::string_view key);
    // What the value of `key` is, without judging it (lets `sync.fields` be a word or a list).
    kind kind_of(std::string_view key) const;
    // Stops unknown-key reports for this mapping, e.g. when its schema cannot be known (unknown crm.type).
    void accept_all_keys();

private:
    struct entry {
        YAML::Node key;
        YAML::Node value;
    };

    std::optional<entry> find(std::string_view key) const;
    std::string key_path(std::string_view key) const;
    static YAML::Mark value_mark(const entry& e);
    // The scalar text of `key` with ${VAR} expanded; nullopt when absent or after recording an error.
    // `expected` names the wanted type in the error ("a string", "an integer" …); `plain_only`
    // rejects quoted scalars (a quoted "10" is a string, not a number).
    std::optional<std::string> scalar(std::string_view key, std::string_view expected, bool plain_only);

    yaml_document& doc_;
    YAML::Node node_;
    std::string path_;
    YAML::Mark anchor_;
    yaml_document::tracked_map& tracked_;
};

} // namespace crmsync::config_detail
