#include "schema/validator.h"

#include <algorithm>

#include "util/nearest.h"
#include "util/time.h"

namespace keyform::schema {

using nlohmann::json;

namespace {

size_t count_chars(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string in_quotes(std::string_view s) {
  constexpr size_t kMax = 60;
  std::string out = "\"";
  for (char c : s.substr(0, kMax)) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  if (s.size() > kMax) out += "...";
  return out + "\"";
}

// What the user wrote, for "(got ...)".
std::string describe(const yaml::Node& n) {
  switch (n.type()) {
    case yaml::NodeType::kNull:
      return "nothing";
    case yaml::NodeType::kMapping:
      return "a mapping";
    case yaml::NodeType::kSequence:
      return "a list";
    case yaml::NodeType::kScalar:
      break;
  }
  return in_quotes(n.scalar());
}

bool has_type(const yaml::Node& n, uint8_t types) {
  if (types == 0) return true;
  switch (n.type()) {
    case yaml::NodeType::kNull:
      return types & kNull;
    case yaml::NodeType::kMapping:
      return types & kObject;
    case yaml::NodeType::kSequence:
      return types & kArray;
    case yaml::NodeType::kScalar:
      break;
  }
  return (types & kString) || ((types & kInteger) && yaml::plain_integer(n)) ||
         ((types & kNumber) && yaml::plain_number(n)) ||
         ((types & kBoolean) && yaml::plain_boolean(n));
}

// "a, b or c" (with last_separator " or "), "a and b", "a".
std::string join_words(const std::vector<std::string>& items, const char* last_separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? last_separator : ", ";
    out += items[i];
  }
  return out;
}

std::string expected_types(uint8_t types) {
  static const std::pair<uint8_t, const char*> kNames[] = {
      {kString, "a string"},       {kInteger, "an integer"}, {kNumber, "a number"},
      {kBoolean, "true or false"}, {kObject, "a mapping"},   {kArray, "a list"},
      {kNull, "nothing"}};
  std::vector<std::string> names;
  for (const auto& [bit, name] : kNames)
    if (types & bit) names.push_back(name);
  return join_words(names, " or ");
}

// A quoted scalar that would have had the wanted type without its quotes.
bool wants_unquoting(const yaml::Node& n, uint8_t types) {
  if (!n.is_scalar() || n.plain()) return false;
  std::string_view s = n.scalar();
  bool looks_int = !s.empty() && s.find_first_not_of("+-0123456789") == std::string_view::npos;
  bool looks_bool = s == "true" || s == "false";
  return (looks_int && (types & (kInteger | kNumber))) || (looks_bool && (types & kBoolean));
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

std::string show(const json& v) {
  return v.is_string() ? in_quotes(v.get<std::string>()) : v.dump();
}

// The longest text a pattern is matched against.
constexpr size_t kMaxPatternText = 1024;

struct Budget {
  size_t left = kMaxDocumentNodes;
  bool exhausted = false;
};

class Walker {
 public:
  Walker(const CompiledSchema& schema, std::vector<SchemaError>* out, Budget* budget,
         std::string pointer)
      : schema_(schema), out_(out), budget_(budget), pointer_(std::move(pointer)) {}

  // `key_mark` is where the key of this value is, when it has one: errors
  // about a whole mapping or an empty value point there.
  void walk(const yaml::Node& n, const Rule& r, yaml::Mark key_mark) {
    if (budget_->exhausted) return;
    if (budget_->left-- == 0) {
      budget_->exhausted = true;
      return;
    }
    yaml::Mark at = (n.is_null() || n.is_mapping()) && key_mark.line ? key_mark : n.mark();
    if (r.never) {
      error(at, prefix() + "not allowed here");
      return;
    }
    if (!has_type(n, r.types)) {
      std::string msg = prefix() + "expected " + expected_types(r.types) + " (got " + describe(n);
      if (wants_unquoting(n, r.types)) msg += "; remove the quotes";
      error(at, msg + ")");
      return;
    }
    if (r.const_value && !equals(n, *r.const_value)) {
      error(at, prefix() + "expected " + show(*r.const_value) + " (got " + describe(n) + ")");
      return;
    }
    if (r.enum_values && !check_enum(n, r, at)) return;
    if (n.is_scalar() && !check_scalar(n, r, at)) return;
    if (n.is_sequence()) walk_sequence(n, r, at);
    if (n.is_mapping()) walk_mapping(n, r, at);
    if (!r.any_of.empty()) walk_alternatives(n, r.any_of, false, at);
    if (!r.one_of.empty()) walk_alternatives(n, r.one_of, true, at);
    if (r.not_rule >= 0) walk_not(n, schema_.rule(r.not_rule), at);
  }

 private:
  std::string prefix() const {
    std::string w = field_path(pointer_);
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

  bool check_enum(const yaml::Node& n, const Rule& r, yaml::Mark at) {
    for (const json& v : *r.enum_values)
      if (equals(n, v)) return true;
    std::string msg = prefix() + "expected one of ";
    for (size_t i = 0; i < r.enum_names.size(); ++i) msg += (i ? ", " : "") + r.enum_names[i];
    msg += " (got " + describe(n);
    if (n.is_scalar()) {
      std::string near = nearest_name(n.scalar(), r.enum_names);
      if (!near.empty()) msg += "; did you mean " + in_quotes(near) + "?";
    }
    error(at, msg + ")");
    return false;
  }

  // format, pattern, length and range of a scalar; false after an error.
  bool check_scalar(const yaml::Node& n, const Rule& r, yaml::Mark at) {
    std::string_view text = n.scalar();
    if (r.duration && !parse_duration(text)) {
      error(at, prefix() + "expected a duration like 90d, 12h, 1y (got " + in_quotes(text) + ")");
      return false;
    }
    if (r.min_length || r.max_length) {
      size_t len = count_chars(text);
      if (r.min_length && len < *r.min_length) {
        error(at, prefix() + (*r.min_length == 1
                                  ? std::string("expected a non-empty string")
                                  : "expected at least " + std::to_string(*r.min_length) +
                                        " characters (got " + std::to_string(len) + ")"));
        return false;
      }
      if (r.max_length && len > *r.max_length) {
        error(at, prefix() + "expected at most " + std::to_string(*r.max_length) +
                      " characters (got " + std::to_string(len) + ")");
        return false;
      }
    }
    // libstdc++'s std::regex recurses per character: a long enough text
    // overflows the stack. No patterned field needs more than this.
    if (r.pattern && text.size() > kMaxPatternText) {
      error(at, prefix() + "expected at most " + std::to_string(kMaxPatternText) +
                    " characters (got " + std::to_string(count_chars(text)) + ")");
      return false;
    }
    if (r.pattern && !std::regex_search(text.begin(), text.end(), *r.pattern)) {
      std::string expected = r.pattern_message.empty()
                                 ? "expected a string matching " + r.pattern_text
                                 : r.pattern_message;
      error(at, prefix() + expected + " (got " + in_quotes(text) + ")");
      return false;
    }
    if (r.minimum || r.maximum) {
      auto v = yaml::plain_number(n);
      if (!v) return true;  // not a number: the type check speaks for it
      bool low = r.minimum && *v < r.minimum->get<double>();
      bool high = r.maximum && *v > r.maximum->get<double>();
      if (low || high) {
        std::string what = r.types == kInteger ? "an integer" : "a number";
        std::string range;
        if (r.minimum && r.maximum)
          range = what + " from " + r.minimum->dump() + " to " + r.maximum->dump();
        else if (r.minimum)
          range = what + " of at least " + r.minimum->dump();
        else
          range = what + " of at most " + r.maximum->dump();
        error(at, prefix() + "expected " + range + " (got " + std::string(text) + ")");
        return false;
      }
    }
    return true;
  }

  void walk_sequence(const yaml::Node& n, const Rule& r, yaml::Mark at) {
    size_t size = n.size();
    if (r.min_items && size < *r.min_items) {
      error(at, prefix() + "expected at least " + std::to_string(*r.min_items) +
                    (*r.min_items == 1 ? " item" : " items") + " (got " + std::to_string(size) +
                    ")");
    }
    if (r.max_items && size > *r.max_items) {
      error(at, prefix() + "expected at most " + std::to_string(*r.max_items) + " items (got " +
                    std::to_string(size) + ")");
    }
    if (r.items < 0) return;
    const Rule& item_rule = schema_.rule(r.items);
    for (size_t i = 0; i < size; ++i) {
      size_t old = pointer_.size();
      append_pointer(&pointer_, std::to_string(i));
      yaml::Node item = n.item(i);
      walk(item, item_rule, item.mark());
      pointer_.resize(old);
    }
  }

  // `at` is where the mapping's key is (or the mapping, for the document).
  void walk_mapping(const yaml::Node& n, const Rule& r, yaml::Mark at) {
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
      } else if (int p = r.property(name); p >= 0) {
        walk(n.value(i), schema_.rule(p), k.mark());
      } else if (r.additional >= 0) {
        walk(n.value(i), schema_.rule(r.additional), k.mark());
      } else if (r.closed) {
        error(k.mark(), "unknown field " + in_quotes(name) + in_path(old) + why_unknown(r, name));
      }
      pointer_.resize(old);
    }
    for (const std::string& field : r.required)
      if (!n.get(field).valid())
        error(at, "missing required field " + in_quotes(field) + in_where());
  }

  // The schema's word on a likely mistake (unknownPropertyMessages), else
  // the nearest allowed name.
  static std::string why_unknown(const Rule& r, std::string_view name) {
    for (const auto& [field, message] : r.unknown_property_messages)
      if (field == name) return ": " + message;
    return did_you_mean(name, r.property_names);
  }

  // Whether the i-th key repeats an earlier one. Quadratic only in the size
  // of one mapping, and mappings in a config are small.
  static bool seen_before(const yaml::Node& n, size_t i) {
    std::string_view name = n.key(i).scalar();
    for (size_t j = 0; j < i; ++j) {
      yaml::Node k = n.key(j);
      if (k.is_scalar() && k.scalar() == name) return true;
    }
    return false;
  }

  std::vector<SchemaError> try_rule(const yaml::Node& n, const Rule& r) {
    std::vector<SchemaError> errs;
    Walker(schema_, &errs, budget_, pointer_).walk(n, r, {});
    return errs;
  }

  void walk_alternatives(const yaml::Node& n, const std::vector<int>& branches, bool exactly_one,
                         yaml::Mark at) {
    std::vector<std::vector<SchemaError>> results;
    size_t passed = 0;
    for (int b : branches) {
      results.push_back(try_rule(n, schema_.rule(b)));
      passed += results.back().empty();
    }
    if (budget_->exhausted) return;
    if (passed == 1 || (passed > 1 && !exactly_one)) return;
    if (passed > 1) {
      error(at, prefix() + "matches more than one of its alternative forms");
      return;
    }
    bool all_required = std::all_of(branches.begin(), branches.end(),
                                    [&](int b) { return schema_.rule(b).only_required; });
    if (all_required) {
      std::vector<std::string> fields;
      for (int b : branches) fields.push_back(in_quotes(schema_.rule(b).required[0]));
      error(at, "expected one of the fields " + join_words(fields, " or ") + in_where());
      return;
    }
    // The branch the user most likely meant: one whose type fits, with the
    // fewest errors.
    const std::vector<SchemaError>* best = nullptr;
    uint8_t types = 0;
    for (size_t i = 0; i < branches.size(); ++i) {
      const Rule& b = schema_.rule(branches[i]);
      types |= b.types;
      if (!has_type(n, b.types)) continue;
      if (!best || results[i].size() < best->size()) best = &results[i];
    }
    if (best) {
      out_->insert(out_->end(), best->begin(), best->end());
      return;
    }
    error(at, prefix() + "expected " + expected_types(types) + " (got " + describe(n) + ")");
  }

  void walk_not(const yaml::Node& n, const Rule& r, yaml::Mark at) {
    if (!try_rule(n, r).empty() || budget_->exhausted) return;
    if (r.only_required && n.is_mapping()) {
      // {"not": {"required": [a, b]}}: these fields exclude each other.
      std::vector<std::string> quoted;
      for (const std::string& f : r.required) quoted.push_back(in_quotes(f));
      const std::string names = join_words(quoted, " and ");
      yaml::Mark last = at;
      for (size_t i = 0; i < n.size(); ++i) {
        yaml::Node k = n.key(i);
        if (k.is_scalar() &&
            std::find(r.required.begin(), r.required.end(), k.scalar()) != r.required.end())
          last = k.mark();
      }
      error(last, names + " cannot be used together" + in_where());
      return;
    }
    error(at, prefix() + "is not allowed in this form");
  }

  const CompiledSchema& schema_;
  std::vector<SchemaError>* out_;
  Budget* budget_;
  std::string pointer_;
};

}  // namespace

std::vector<SchemaError> validate(const yaml::Node& doc, const CompiledSchema& schema) {
  return validate(doc, schema, schema.root());
}

std::vector<SchemaError> validate(const yaml::Node& doc, const CompiledSchema& schema,
                                  const Rule& rule) {
  std::vector<SchemaError> errors;
  Budget budget;
  Walker(schema, &errors, &budget, "").walk(doc, rule, {});
  if (budget.exhausted) {
    return {SchemaError{doc.mark(), "",
                        "document too large (over " + std::to_string(kMaxDocumentNodes) +
                            " nodes, counting each use of an alias)"}};
  }
  return errors;
}

std::vector<SchemaError> validate(const yaml::Node& doc, const json& schema) {
  return validate(doc, CompiledSchema(schema));
}

std::string field_path(std::string_view pointer) {
  std::string out;
  size_t i = 0;
  while (i < pointer.size() && pointer[i] == '/') {
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
