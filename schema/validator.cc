#include "schema/validator.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <regex>
#include <unordered_map>

#include "util/nearest.h"
#include "util/time.h"

namespace keyform::schema {

using nlohmann::json;

namespace {

// ECMA-262 patterns, as JSON Schema defines them, compiled once per process.
const std::regex& compiled_pattern(const std::string& pattern) {
  static std::mutex mu;
  static std::unordered_map<std::string, std::unique_ptr<std::regex>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = cache[pattern];
  if (!slot) {
    try {
      slot = std::make_unique<std::regex>(pattern, std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error& e) {
      cache.erase(pattern);
      throw Error("invalid pattern in schema: " + pattern + ": " + e.what());
    }
  }
  return *slot;
}

size_t count_chars(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string in_quotes(std::string_view s) {
  constexpr size_t kMax = 60;
  std::string out = "\"";
  for (char c : s.substr(0, kMax)) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  if (s.size() > kMax) out += "...";
  return out + "\"";
}

// What the user wrote, for "(got ...)".
std::string describe(const yaml::Node& n) {
  switch (n.type()) {
    case yaml::NodeType::kNull: return "nothing";
    case yaml::NodeType::kMapping: return "a mapping";
    case yaml::NodeType::kSequence: return "a list";
    case yaml::NodeType::kScalar: break;
  }
  return in_quotes(n.scalar());
}

std::string type_name(const std::string& t) {
  if (t == "object") return "a mapping";
  if (t == "array") return "a list";
  if (t == "string") return "a string";
  if (t == "integer") return "an integer";
  if (t == "number") return "a number";
  if (t == "boolean") return "true or false";
  if (t == "null") return "nothing";
  return t;
}

bool matches_type(const yaml::Node& n, const std::string& t) {
  if (t == "object") return n.is_mapping();
  if (t == "array") return n.is_sequence();
  if (t == "string") return n.is_scalar();
  if (t == "integer") return yaml::plain_integer(n).has_value();
  if (t == "number") return yaml::plain_number(n).has_value();
  if (t == "boolean") return yaml::plain_boolean(n).has_value();
  if (t == "null") return n.is_null();
  return true;  // unknown type names constrain nothing
}

bool matches_types(const yaml::Node& n, const json& type) {
  if (type.is_string()) return matches_type(n, type.get_ref<const std::string&>());
  if (type.is_array()) {
    for (const json& t : type)
      if (t.is_string() && matches_type(n, t.get_ref<const std::string&>())) return true;
    return false;
  }
  return true;
}

std::string expected_types(const json& type) {
  if (type.is_string()) return type_name(type.get_ref<const std::string&>());
  std::string out;
  for (size_t i = 0; i < type.size(); ++i) {
    if (i > 0) out += i + 1 == type.size() ? " or " : ", ";
    out += type_name(type[i].get<std::string>());
  }
  return out;
}

// Whether a YAML node equals a JSON scalar (enum and const values).
bool equals(const yaml::Node& n, const json& v) {
  if (v.is_string()) return n.is_scalar() && n.scalar() == v.get_ref<const std::string&>();
  if (v.is_boolean()) return yaml::plain_boolean(n) == v.get<bool>();
  if (v.is_number_integer()) return yaml::plain_integer(n) == v.get<int64_t>();
  if (v.is_number()) return yaml::plain_number(n) == v.get<double>();
  if (v.is_null()) return n.is_null();
  return false;  // structured enum values are not used by keyform's schemas
}

std::string show(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// The schema of a branch that only says which fields must be present, as
// rootKey's {"required": ["env"]} / {"required": ["file"]}.
bool only_required(const json& s) {
  return s.is_object() && s.size() == 1 && s.contains("required") && s["required"].is_array();
}

struct Budget {
  size_t left = kMaxDocumentNodes;
  bool exhausted = false;
};

class Walker {
 public:
  Walker(std::vector<SchemaError>* out, Budget* budget, std::string pointer)
      : out_(out), budget_(budget), pointer_(std::move(pointer)) {}

  // `key_mark` is where the key of this value is, when it has one: errors
  // about a value that is missing or empty point there.
  void walk(const yaml::Node& n, const json& s, yaml::Mark key_mark) {
    if (budget_->exhausted) return;
    if (budget_->left-- == 0) {
      budget_->exhausted = true;
      return;
    }
    if (s.is_boolean()) {
      if (!s.get<bool>()) error(here(n, key_mark), prefix() + "not allowed here");
      return;
    }
    if (!s.is_object()) return;
    yaml::Mark at = here(n, key_mark);

    if (auto t = s.find("type"); t != s.end() && !matches_types(n, *t)) {
      std::string msg = prefix() + "expected " + expected_types(*t) + " (got " + describe(n);
      if (n.is_scalar() && !n.plain() && (matches_type_unquoted(n, *t))) msg += "; remove the quotes";
      error(at, msg + ")");
      return;
    }
    if (auto c = s.find("const"); c != s.end() && !equals(n, *c)) {
      error(at, prefix() + "expected " + (c->is_string() ? in_quotes(c->get<std::string>()) : c->dump()) +
                    " (got " + describe(n) + ")");
      return;
    }
    if (auto e = s.find("enum"); e != s.end() && e->is_array()) {
      if (!check_enum(n, *e, at)) return;
    }
    if (n.is_scalar() && !check_scalar(n, s, at)) return;
    if (n.is_sequence()) walk_sequence(n, s, at);
    if (n.is_mapping()) walk_mapping(n, s, at);
    if (auto it = s.find("anyOf"); it != s.end()) walk_alternatives(n, *it, false, at);
    if (auto it = s.find("oneOf"); it != s.end()) walk_alternatives(n, *it, true, at);
    if (auto it = s.find("not"); it != s.end()) walk_not(n, *it, at);
  }

 private:
  // Errors about a whole mapping, or an empty value, point at its key.
  static yaml::Mark here(const yaml::Node& n, yaml::Mark key_mark) {
    return (n.is_null() || n.is_mapping()) && key_mark.line ? key_mark : n.mark();
  }

  // A quoted scalar that would have matched without its quotes.
  static bool matches_type_unquoted(const yaml::Node& n, const json& type) {
    auto wants = [&](const char* t) {
      return type.is_string() ? type == t
                              : type.is_array() && std::find(type.begin(), type.end(), t) != type.end();
    };
    std::string_view s = n.scalar();
    bool looks_int = !s.empty() && s.find_first_not_of("+-0123456789") == std::string_view::npos;
    bool looks_bool = s == "true" || s == "false";
    return (looks_int && (wants("integer") || wants("number"))) || (looks_bool && wants("boolean"));
  }

  std::string where() const { return field_path(pointer_); }
  std::string prefix() const {
    std::string w = where();
    return w.empty() ? w : w + ": ";
  }
  std::string in_where() const { return in_path(pointer_.size()); }
  // " in spec" for the pointer's first `len` characters; "" at the top.
  std::string in_path(size_t len) const {
    std::string w = field_path(std::string_view(pointer_).substr(0, len));
    return w.empty() ? w : " in " + w;
  }

  void error(yaml::Mark m, std::string message) {
    out_->push_back(SchemaError{m, pointer_, std::move(message)});
  }

  bool check_enum(const yaml::Node& n, const json& values, yaml::Mark at) {
    for (const json& v : values)
      if (equals(n, v)) return true;
    std::string msg = prefix() + "expected one of ";
    std::vector<std::string> names;
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) msg += ", ";
      msg += show(values[i]);
      names.push_back(show(values[i]));
    }
    msg += " (got " + describe(n);
    if (n.is_scalar()) {
      std::string near = nearest_name(n.scalar(), names);
      if (!near.empty()) msg += "; did you mean " + in_quotes(near) + "?";
    }
    error(at, msg + ")");
    return false;
  }

  // format, pattern, length and range of a scalar; false after an error.
  bool check_scalar(const yaml::Node& n, const json& s, yaml::Mark at) {
    std::string_view text = n.scalar();
    if (auto f = s.find("format"); f != s.end() && *f == "duration" && !parse_duration(text)) {
      error(at, prefix() + "expected a duration like 90d, 12h, 1y (got " + in_quotes(text) + ")");
      return false;
    }
    if (auto p = s.find("pattern"); p != s.end() && p->is_string()) {
      const std::regex& re = compiled_pattern(p->get_ref<const std::string&>());
      if (!std::regex_search(text.begin(), text.end(), re)) {
        auto custom = s.find("patternErrorMessage");
        std::string expected = custom != s.end() && custom->is_string()
                                   ? custom->get<std::string>()
                                   : "expected a string matching " + p->get<std::string>();
        error(at, prefix() + expected + " (got " + in_quotes(text) + ")");
        return false;
      }
    }
    auto min_len = s.find("minLength");
    auto max_len = s.find("maxLength");
    if (min_len != s.end() || max_len != s.end()) {
      size_t len = count_chars(text);
      if (min_len != s.end() && len < min_len->get<size_t>()) {
        size_t m = min_len->get<size_t>();
        error(at, prefix() + (m == 1 ? std::string("expected a non-empty string")
                                     : "expected at least " + std::to_string(m) +
                                           " characters (got " + std::to_string(len) + ")"));
        return false;
      }
      if (max_len != s.end() && len > max_len->get<size_t>()) {
        error(at, prefix() + "expected at most " + std::to_string(max_len->get<size_t>()) +
                      " characters (got " + std::to_string(len) + ")");
        return false;
      }
    }
    auto min = s.find("minimum");
    auto max = s.find("maximum");
    if (min != s.end() || max != s.end()) {
      auto v = yaml::plain_number(n);
      if (!v) return true;  // a string with a range: the type check speaks for it
      bool low = min != s.end() && *v < min->get<double>();
      bool high = max != s.end() && *v > max->get<double>();
      if (low || high) {
        std::string what = s.value("type", "") == "integer" ? "an integer" : "a number";
        std::string range;
        if (min != s.end() && max != s.end())
          range = what + " from " + min->dump() + " to " + max->dump();
        else if (min != s.end())
          range = what + " of at least " + min->dump();
        else
          range = what + " of at most " + max->dump();
        error(at, prefix() + "expected " + range + " (got " + std::string(text) + ")");
        return false;
      }
    }
    return true;
  }

  void walk_sequence(const yaml::Node& n, const json& s, yaml::Mark at) {
    size_t size = n.size();
    if (auto m = s.find("minItems"); m != s.end() && size < m->get<size_t>()) {
      size_t want = m->get<size_t>();
      error(at, prefix() + "expected at least " + std::to_string(want) +
                    (want == 1 ? " item" : " items") + " (got " + std::to_string(size) + ")");
    }
    if (auto m = s.find("maxItems"); m != s.end() && size > m->get<size_t>()) {
      error(at, prefix() + "expected at most " + std::to_string(m->get<size_t>()) +
                    " items (got " + std::to_string(size) + ")");
    }
    auto items = s.find("items");
    if (items == s.end()) return;
    for (size_t i = 0; i < size; ++i) {
      size_t old = pointer_.size();
      append_pointer(&pointer_, std::to_string(i));
      yaml::Node item = n.item(i);
      walk(item, *items, item.mark());
      pointer_.resize(old);
    }
  }

  // `at` is where the mapping's key is (or the mapping, for the document).
  void walk_mapping(const yaml::Node& n, const json& s, yaml::Mark at) {
    static const json kNoProperties = json::object();
    auto props_it = s.find("properties");
    const json& props = props_it != s.end() ? *props_it : kNoProperties;
    auto extra = s.find("additionalProperties");
    bool closed = extra != s.end() && extra->is_boolean() && !extra->get<bool>();
    const json* extra_schema = extra != s.end() && extra->is_object() ? &*extra : nullptr;

    size_t size = n.size();
    for (size_t i = 0; i < size; ++i) {
      yaml::Node k = n.key(i);
      if (!k.is_scalar()) {
        error(k.mark(), "field names must be strings" + in_where() + " (got " + describe(k) + ")");
        continue;
      }
      std::string_view name = k.scalar();
      size_t old = pointer_.size();
      append_pointer(&pointer_, name);
      if (seen_before(n, i)) {
        error(k.mark(), "duplicate field " + in_quotes(name) + in_path(old));
      } else if (auto p = props.find(std::string(name)); p != props.end()) {
        walk(n.value(i), *p, k.mark());
      } else if (extra_schema) {
        walk(n.value(i), *extra_schema, k.mark());
      } else if (closed) {
        std::vector<std::string> known;
        for (const auto& [key, _] : props.items()) known.push_back(key);
        std::string msg = "unknown field " + in_quotes(name) + in_path(old);
        std::string near = nearest_name(name, known);
        if (!near.empty()) msg += " (did you mean " + in_quotes(near) + "?)";
        error(k.mark(), msg);
      }
      pointer_.resize(old);
    }
    if (auto req = s.find("required"); req != s.end() && req->is_array()) {
      for (const json& r : *req) {
        if (!r.is_string()) continue;
        const std::string& field = r.get_ref<const std::string&>();
        if (!n.get(field).valid())
          error(at, "missing required field " + in_quotes(field) + in_where());
      }
    }
  }

  // Whether the i-th key repeats an earlier one. Mappings are small; the
  // scan is quadratic only in a mapping's own size.
  static bool seen_before(const yaml::Node& n, size_t i) {
    std::string_view name = n.key(i).scalar();
    for (size_t j = 0; j < i; ++j) {
      yaml::Node k = n.key(j);
      if (k.is_scalar() && k.scalar() == name) return true;
    }
    return false;
  }

  std::vector<SchemaError> try_branch(const yaml::Node& n, const json& branch) {
    std::vector<SchemaError> errs;
    Walker w(&errs, budget_, pointer_);
    w.walk(n, branch, {});
    return errs;
  }

  void walk_alternatives(const yaml::Node& n, const json& branches, bool exactly_one,
                         yaml::Mark at) {
    if (!branches.is_array() || branches.empty()) return;
    std::vector<std::vector<SchemaError>> results;
    size_t passed = 0;
    for (const json& b : branches) {
      results.push_back(try_branch(n, b));
      passed += results.back().empty();
    }
    if (budget_->exhausted) return;
    if (passed == 1 || (passed > 1 && !exactly_one)) return;
    if (passed > 1) {
      error(at, prefix() + "matches more than one of its alternative forms");
      return;
    }
    if (std::all_of(branches.begin(), branches.end(), only_required)) {
      std::string fields;
      for (size_t i = 0; i < branches.size(); ++i) {
        if (i > 0) fields += i + 1 == branches.size() ? " or " : ", ";
        fields += in_quotes(branches[i]["required"][0].get<std::string>());
      }
      error(at, "expected one of the fields " + fields + in_where());
      return;
    }
    // The branch the user most likely meant: one whose type fits, with the
    // fewest errors.
    const std::vector<SchemaError>* best = nullptr;
    std::vector<std::string> types;
    for (size_t i = 0; i < branches.size(); ++i) {
      const json& b = branches[i];
      auto t = b.is_object() ? b.find("type") : b.end();
      if (b.is_object() && t != b.end()) {
        if (t->is_string()) types.push_back(t->get<std::string>());
        if (!matches_types(n, *t)) continue;
      }
      if (!best || results[i].size() < best->size()) best = &results[i];
    }
    if (best) {
      out_->insert(out_->end(), best->begin(), best->end());
      return;
    }
    error(at, prefix() + "expected " + expected_types(json(types)) + " (got " + describe(n) + ")");
  }

  void walk_not(const yaml::Node& n, const json& s, yaml::Mark at) {
    if (!try_branch(n, s).empty() || budget_->exhausted) return;
    if (only_required(s) && n.is_mapping()) {
      // {"not": {"required": [a, b]}}: these fields exclude each other.
      const json& fields = s["required"];
      std::string names;
      yaml::Mark last = at;
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) names += i + 1 == fields.size() ? " and " : ", ";
        names += in_quotes(fields[i].get<std::string>());
      }
      for (size_t i = 0; i < n.size(); ++i) {
        yaml::Node k = n.key(i);
        if (k.is_scalar() && std::find(fields.begin(), fields.end(), k.scalar()) != fields.end())
          last = k.mark();
      }
      error(last, names + " cannot be used together" + in_where());
      return;
    }
    error(at, prefix() + "is not allowed in this form");
  }

  std::vector<SchemaError>* out_;
  Budget* budget_;
  std::string pointer_;
};

}  // namespace

std::vector<SchemaError> validate(const yaml::Node& doc, const json& schema) {
  std::vector<SchemaError> errors;
  Budget budget;
  Walker(&errors, &budget, "").walk(doc, schema, {});
  if (budget.exhausted) {
    return {SchemaError{doc.mark(), "",
                        "document too large (over " + std::to_string(kMaxDocumentNodes) +
                            " nodes, counting each use of an alias)"}};
  }
  return errors;
}

std::string field_path(std::string_view pointer) {
  std::string out;
  size_t i = 0;
  while (i < pointer.size()) {
    if (pointer[i] != '/') break;
    size_t end = pointer.find('/', i + 1);
    if (end == std::string_view::npos) end = pointer.size();
    std::string token;
    for (size_t j = i + 1; j < end; ++j) {
      if (pointer[j] == '~' && j + 1 < end && (pointer[j + 1] == '0' || pointer[j + 1] == '1')) {
        token += pointer[j + 1] == '0' ? '~' : '/';
        ++j;
      } else {
        token += pointer[j];
      }
    }
    bool index = !token.empty() && token.find_first_not_of("0123456789") == std::string::npos;
    if (index && !out.empty()) {
      out += "[" + token + "]";
    } else {
      if (!out.empty()) out += '.';
      out += token;
    }
    i = end;
  }
  return out;
}

void append_pointer(std::string* pointer, std::string_view token) {
  *pointer += '/';
  for (char c : token) {
    if (c == '~')
      *pointer += "~0";
    else if (c == '/')
      *pointer += "~1";
    else
      *pointer += c;
  }
}

}  // namespace keyform::schema
