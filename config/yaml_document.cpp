#include "config/yaml_section.hpp"

#include "config/suggest.hpp"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

namespace crmsync::config_detail {

std::string describe(const YAML::Node& n)
{
    switch (n.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "'" + n.Scalar() + "'";
    default: return "an empty value";
    }
}

namespace {

bool is_variable_name(std::string_view s)
{
    if (s.empty() || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (char c : s)
        if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return false;
    return true;
}

// Records where each document starts; nothing else of the event stream is needed.
class document_starts final : public YAML::EventHandler {
public:
    std::vector<YAML::Mark> marks;

    void OnDocumentStart(const YAML::Mark& mark) override { marks.push_back(mark); }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
};

} // namespace

bool read_text_file(const std::string& path, std::string& content, std::string& error)
{
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
        error = std::strerror(errno);
        return false;
    }
    content.clear();
    char buf[8192];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
        content.append(buf, n);
    const bool failed = std::ferror(f) != 0;
    const int err = errno;
    std::fclose(f);
    if (failed)
        error = std::strerror(err);
    return !failed;
}

yaml_document::yaml_document(std::string source, const env_lookup& env, std::vector<config_error>& errors)
    : source_(std::move(source)), env_(env), errors_(errors)
{
}

bool yaml_document::load(std::string_view text)
{
    // yaml-cpp 0.7's LoadAll never returns on some malformed input, such as a stray ',' (it keeps
    // producing empty documents without consuming the token: jbeder/yaml-cpp#1319), so documents are
    // counted with a bounded walk of the event stream before the first one is loaded.
    try {
        std::istringstream in{std::string(text)};
        YAML::Parser parser(in);
        document_starts starts;
        for (int i = 0; i < 2 && parser.HandleNextDocument(starts); ++i) {
        }
        if (starts.marks.size() > 1) {
            const YAML::Mark& second = starts.marks[1];
            if (second.pos == starts.marks[0].pos && second.pos >= 0 &&
                static_cast<std::size_t>(second.pos) < text.size())
                add_error(second, {}, std::string("YAML syntax error: unexpected '") + text[second.pos] + "'");
            else
                add_error(second, {}, "more than one YAML document ('---'); the configuration is a single document");
            return false;
        }
        root_ = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
        add_error(e.mark, {}, "YAML syntax error: " + e.msg);
        return false;
    }
    return true;
}

std::unique_ptr<yaml_section> yaml_document::root_section()
{
    if (!root_.IsMap()) {
        add_error(root_.IsNull() ? YAML::Mark() : root_.Mark(), {},
                  "expected a mapping of sections at the top level, found " + describe(root_));
        return nullptr;
    }
    return std::make_unique<yaml_section>(*this, root_, std::string(), root_.Mark());
}

std::vector<std::unique_ptr<config_section>> yaml_document::root_items(const std::string& path)
{
    if (!root_.IsSequence()) {
        add_error(root_.IsNull() ? YAML::Mark() : root_.Mark(), path, "expected a list, found " + describe(root_));
        return {};
    }
    return items(root_, path);
}

void yaml_document::finish()
{
    for (auto& [path, map] : maps_) {
        std::map<std::string, YAML::Mark, std::less<>> seen;
        std::vector<std::string_view> known(map.known.begin(), map.known.end());
        for (auto it = map.node.begin(); it != map.node.end(); ++it) {
            // A copy: it->first lives in a proxy that dies with the expression.
            const YAML::Node key = it->first;
            if (!key.IsScalar()) {
                add_error(key.Mark(), path, "keys must be plain words, found " + describe(key));
                continue;
            }
            const std::string& name = key.Scalar();
            const std::string key_path = path.empty() ? name : path + "." + name;
            if (auto [first, inserted] = seen.emplace(name, key.Mark()); !inserted) {
                add_error(key.Mark(), key_path,
                          fmt::format("duplicate key '{}' (first given on line {})", name, first->second.line + 1));
                continue;
            }
            if (name == "<<")
                add_error(key.Mark(), key_path, "YAML merge keys ('<<') are not supported; write the keys out");
            else if (!map.accept_all && !map.known.contains(name))
                add_error(key.Mark(), key_path, "unknown key '" + name + "'" + did_you_mean(name, known));
        }
    }
}

void yaml_document::add_error(const YAML::Mark& at, std::string key_path, std::string message)
{
    config_error e;
    e.file = source_;
    e.line = at.is_null() ? 0 : at.line + 1;
    e.column = at.is_null() ? 0 : at.column + 1;
    e.key_path = std::move(key_path);
    e.message = std::move(message);
    errors_.push_back(std::move(e));
}

yaml_document::tracked_map& yaml_document::track(const std::string& path, const YAML::Node& node)
{
    return maps_.try_emplace(path, tracked_map{node, {}, false}).first->second;
}

std::vector<std::unique_ptr<config_section>> yaml_document::items(const YAML::Node& seq, const std::string& path)
{
    std::vector<std::unique_ptr<config_section>> out;
    std::size_t i = 0;
    for (auto it = seq.begin(); it != seq.end(); ++it, ++i) {
        const std::string item_path = path + "[" + std::to_string(i) + "]";
        if (!it->IsMap()) {
            add_error(it->IsNull() ? seq.Mark() : it->Mark(), item_path,
                      "expected a mapping, found " + describe(*it));
            continue;
        }
        out.push_back(std::make_unique<yaml_section>(*this, *it, item_path, it->Mark()));
    }
    return out;
}

std::optional<std::string> yaml_document::expand(const std::string& raw, const YAML::Mark& at,
                                                 const std::string& key_path)
{
    std::string out;
    bool ok = true;
    std::size_t i = 0;
    while (i < raw.size()) {
        if (raw.compare(i, 3, "$${") == 0) {
            out += "${";
            i += 3;
            continue;
        }
        if (raw.compare(i, 2, "${") != 0) {
            out += raw[i++];
            continue;
        }
        const auto close = raw.find('}', i + 2);
        if (close == std::string::npos) {
            add_error(at, key_path, "unterminated '${' in '" + raw + "' (write $${ for a literal '${')");
            return std::nullopt;
        }
        const std::string name = raw.substr(i + 2, close - i - 2);
        i = close + 1;
        if (!is_variable_name(name)) {
            add_error(at, key_path, "invalid environment variable name '" + name + "' in '" + raw + "'");
            ok = false;
            continue;
        }
        std::optional<std::string> value = env_ ? env_(name) : std::nullopt;
        if (!value) {
            add_error(at, key_path, "environment variable " + name + " is not set");
            ok = false;
            continue;
        }
        out += *value;
    }
    if (!ok)
        return std::nullopt;
    return out;
}

} // namespace crmsync::config_detail
