#pragma once
// A small JSON-schema-subset checker over an OpenAPI 3 document, enough to hold the HubSpot
// emulator to HubSpot's published specs: $ref resolution, type (object, array, string, integer,
// number, boolean), nullable, required, properties, additionalProperties, items, enum and
// format date-time. Unknown keywords are ignored.

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace hs_test {

class openapi_spec {
public:
    explicit openapi_spec(const std::string& file)
    {
        std::ifstream in(file);
        if (!in)
            throw std::runtime_error("cannot open " + file);
        std::stringstream ss;
        ss << in.rdbuf();
        doc_ = boost::json::parse(ss.str());
    }

    // The operation serving `method` on a concrete path, e.g. POST /crm/v3/objects/contacts/search;
    // templates like {objectType} match any one segment, literal segments win over templates.
    const boost::json::object* operation(std::string method, const std::string& path) const
    {
        for (auto& c : method)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        const auto want = segments(path);
        const boost::json::object* best = nullptr;
        int best_score = -1;
        for (const auto& [tmpl, ops] : doc_.at("paths").as_object()) {
            const auto have = segments(std::string(tmpl));
            if (have.size() != want.size() || !ops.as_object().contains(method))
                continue;
            int score = 0;
            bool ok = true;
            for (std::size_t i = 0; i < have.size() && ok; ++i) {
                if (have[i].front() == '{')
                    continue;
                ok = have[i] == want[i];
                ++score;
            }
            if (ok && score > best_score) {
                best = &ops.as_object().at(method).as_object();
                best_score = score;
            }
        }
        return best;
    }

    // The declared response for `status` ("default" when not listed), or nullopt if neither exists.
    std::optional<boost::json::value> response_schema(const boost::json::object& op, int status,
                                                      bool& declared) const
    {
        const auto& responses = op.at("responses").as_object();
        const auto* r = responses.if_contains(std::to_string(status));
        declared = r != nullptr;
        if (!r)
            r = responses.if_contains("default");
        if (!r)
            return std::nullopt;
        boost::json::value resolved = resolve(*r);
        const auto* content = resolved.as_object().if_contains("content");
        if (!content || content->as_object().empty())
            return boost::json::value(); // no body
        return content->as_object().begin()->value().as_object().at("schema");
    }

    std::optional<boost::json::value> request_schema(const boost::json::object& op) const
    {
        const auto* rb = op.if_contains("requestBody");
        if (!rb)
            return std::nullopt;
        return rb->as_object().at("content").as_object().begin()->value().as_object().at("schema");
    }

    // Violations of `schema` by `v`, each with a JSON-pointer-like path.
    std::vector<std::string> validate(const boost::json::value& v, const boost::json::value& schema,
                                      const std::string& where = "$") const
    {
        std::vector<std::string> errors;
        check(v, resolve(schema), where, errors);
        return errors;
    }

    boost::json::value resolve(const boost::json::value& s) const
    {
        boost::json::value cur = s;
        for (int hops = 0; hops < 32; ++hops) {
            const auto* ref = cur.is_object() ? cur.as_object().if_contains("$ref") : nullptr;
            if (!ref)
                return cur;
            std::string p(ref->as_string());
            if (!p.starts_with("#/"))
                throw std::runtime_error("external $ref not supported: " + p);
            const boost::json::value* node = &doc_;
            for (const auto& part : segments(p.substr(1)))
                node = &node->as_object().at(part);
            cur = *node;
        }
        throw std::runtime_error("$ref chain too long");
    }

private:
    static std::vector<std::string> segments(const std::string& path)
    {
        std::vector<std::string> out;
        std::string cur;
        for (char c : path) {
            if (c == '/') {
                if (!cur.empty())
                    out.push_back(cur);
                cur.clear();
            } else {
                cur.push_back(c);
            }
        }
        if (!cur.empty())
            out.push_back(cur);
        return out;
    }

    void check(const boost::json::value& v, const boost::json::value& schema_v, const std::string& where,
               std::vector<std::string>& errors) const
    {
        if (!schema_v.is_object())
            return;
        const auto& s = schema_v.as_object();
        const auto* nullable = s.if_contains("nullable");
        if (v.is_null()) {
            if (!(nullable && nullable->is_bool() && nullable->as_bool()))
                errors.push_back(where + ": null where the schema is not nullable");
            return;
        }
        const auto* type = s.if_contains("type");
        const std::string t = type && type->is_string() ? std::string(type->as_string()) : "";
        auto fail = [&](const std::string& what) {
            errors.push_back(where + ": expected " + what + ", got " + boost::json::serialize(v).substr(0, 80));
        };
        if (t == "object" || (t.empty() && s.contains("properties"))) {
            if (!v.is_object())
                return fail("object");
            const auto& o = v.as_object();
            if (const auto* req = s.if_contains("required"))
                for (const auto& name : req->as_array())
                    if (!o.contains(name.as_string()))
                        errors.push_back(where + ": missing required field '" + std::string(name.as_string()) + "'");
            const auto* props = s.if_contains("properties");
            const auto* extra = s.if_contains("additionalProperties");
            for (const auto& [k, val] : o) {
                const std::string path = where + "." + std::string(k);
                if (props && props->as_object().contains(k))
                    check(val, resolve(props->as_object().at(k)), path, errors);
                else if (extra && extra->is_object())
                    check(val, resolve(*extra), path, errors);
            }
        } else if (t == "array") {
            if (!v.is_array())
                return fail("array");
            if (const auto* items = s.if_contains("items")) {
                std::size_t i = 0;
                for (const auto& item : v.as_array())
                    check(item, resolve(*items), where + "[" + std::to_string(i++) + "]", errors);
            }
        } else if (t == "string") {
            if (!v.is_string())
                return fail("string");
            if (const auto* e = s.if_contains("enum")) {
                bool found = false;
                for (const auto& x : e->as_array())
                    found |= x == v;
                if (!found)
                    fail("one of " + boost::json::serialize(*e));
            }
            if (const auto* f = s.if_contains("format"); f && f->as_string() == "date-time") {
                static const std::regex iso(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))");
                if (!std::regex_match(std::string(v.as_string()), iso))
                    fail("an ISO-8601 date-time");
            }
        } else if (t == "integer") {
            if (!v.is_int64() && !v.is_uint64())
                return fail("integer");
        } else if (t == "number") {
            if (!v.is_number())
                return fail("number");
        } else if (t == "boolean") {
            if (!v.is_bool())
                return fail("boolean");
        }
    }

    boost::json::value doc_;
};

} // namespace hs_test
