#include "providers/secrets/secret_value.h"

#include <openssl/rand.h>

#include <array>
#include <string_view>

#include "util/error.h"

namespace keyform::secrets {

namespace {

constexpr std::string_view kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kLower = "abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kDigits = "0123456789";
constexpr std::string_view kPunct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
constexpr std::string_view kHexLetters = "abcdef";
constexpr std::string_view kBase64Punct = "+/";

constexpr const char* kSources[] = {"generate", "fields", "certificate", "sealed"};

// The classes a charset draws from, before exclusions.
std::vector<std::string_view> classes_of(const std::string& charset) {
  if (charset == "hex") return {kDigits, kHexLetters};
  if (charset == "base64") return {kUpper, kLower, kDigits, kBase64Punct};
  if (charset == "ascii-printable") return {kUpper, kLower, kDigits, kPunct};
  return {kUpper, kLower, kDigits};  // alphanumeric
}

// Each class with the excluded characters removed.
std::vector<std::string> allowed_classes(const nlohmann::json& generate) {
  const std::string exclude = generate.value("exclude", std::string());
  std::vector<std::string> out;
  for (std::string_view c : classes_of(generate.value("charset", std::string("alphanumeric")))) {
    std::string kept;
    for (char ch : c)
      if (exclude.find(ch) == std::string::npos) kept += ch;
    out.push_back(std::move(kept));
  }
  return out;
}

// A uniform index below n (rejection sampling: no modulo bias).
size_t uniform_below(size_t n) {
  const uint32_t limit = UINT32_MAX - UINT32_MAX % static_cast<uint32_t>(n);
  for (;;) {
    uint32_t r = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&r), sizeof r) != 1)
      throw Error("the OS random number generator failed");
    if (r < limit) return r % n;
  }
}

void validate_generate(const nlohmann::json& generate, const std::string& at,
                       const DiagnosticSink& error) {
  std::vector<std::string> classes = allowed_classes(generate);
  size_t total = 0, empty = 0;
  for (const std::string& c : classes) {
    total += c.size();
    empty += c.empty();
  }
  if (total < 2) error(at + "/exclude", "exclude leaves fewer than 2 characters to draw from");
  if (generate.value("requireEachClass", false)) {
    if (empty)
      error(at + "/requireEachClass", "exclude removes every character of a class it requires");
    if (generate.value("length", 32) < static_cast<int>(classes.size()))
      error(at + "/length", "length is shorter than the number of classes requireEachClass needs");
  }
}

}  // namespace

std::string value_source(const nlohmann::json& spec) {
  auto value = spec.find("value");
  if (value == spec.end() || !value->is_object() || value->size() != 1) return "";
  for (const char* s : kSources)
    if (value->contains(s)) return s;
  return "";
}

void validate_value(const nlohmann::json& spec, const DiagnosticSink& error) {
  if (value_source(spec).empty()) {
    error("/spec/value", "expected exactly one of generate, fields, certificate or sealed");
    return;
  }
  const nlohmann::json& value = spec["value"];
  if (value.contains("generate"))
    validate_generate(value["generate"], "/spec/value/generate", error);
  if (value.contains("fields")) {
    if (value["fields"].empty()) error("/spec/value/fields", "expected at least one field");
    for (const auto& [name, f] : value["fields"].items())
      if (f.is_object())
        validate_generate(f["generate"], "/spec/value/fields/" + name + "/generate", error);
  }
}

bool regenerable(const nlohmann::json& spec) {
  const std::string source = value_source(spec);
  if (source == "generate") return true;
  if (source != "fields") return false;
  for (const auto& [name, f] : spec["value"]["fields"].items())
    if (f.is_object()) return true;
  return false;
}

SecretBytes generate_value(const nlohmann::json& generate) {
  std::vector<std::string> classes = allowed_classes(generate);
  std::string all;
  for (const std::string& c : classes) all += c;
  const size_t length = static_cast<size_t>(generate.value("length", 32));
  if (all.size() < 2 || length == 0) throw Error("the generate block leaves nothing to draw from");
  const bool each = generate.value("requireEachClass", false);
  SecretBytes out(length);
  // Draw until every class appears (when required): the accepted values are
  // then uniform over the strings that satisfy the rule.
  for (;;) {
    for (size_t i = 0; i < length; ++i)
      out.data()[i] = static_cast<uint8_t>(all[uniform_below(all.size())]);
    if (!each) return out;
    bool ok = true;
    for (const std::string& c : classes) {
      bool found = false;
      for (size_t i = 0; i < length && !found; ++i)
        found = c.find(static_cast<char>(out.data()[i])) != std::string::npos;
      ok &= found;
    }
    if (ok) return out;
  }
}

SecretBytes fields_value(const nlohmann::json& fields) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, f] : fields.items()) {
    if (f.is_string()) {
      out[name] = f;
    } else {
      SecretBytes v = generate_value(f["generate"]);
      out[name] = std::string(v.view());
    }
  }
  SecretBytes bytes(out.dump());
  // The json's own copies: overwrite the strings before they are freed.
  for (auto& [name, v] : out.items()) {
    std::string& s = v.get_ref<std::string&>();
    std::fill(s.begin(), s.end(), '\0');
  }
  return bytes;
}

}  // namespace keyform::secrets
