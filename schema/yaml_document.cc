#include "schema/yaml_document.h"

#include <yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>

namespace keyform::yaml {

namespace {

constexpr std::string_view kIntTag = "tag:yaml.org,2002:int";
constexpr std::string_view kBoolTag = "tag:yaml.org,2002:bool";
constexpr std::string_view kFloatTag = "tag:yaml.org,2002:float";
constexpr std::string_view kNullTag = "tag:yaml.org,2002:null";
constexpr std::string_view kCoreTagPrefix = "tag:yaml.org,2002:";

// The core schema's tags, and "!" (a non-plain scalar): anything else (a
// !!binary, a !custom tag) would be read as a string it is not.
bool supported_tag(std::string_view tag) {
  if (tag.empty() || tag == "!") return true;
  if (tag.substr(0, kCoreTagPrefix.size()) != kCoreTagPrefix) return false;
  std::string_view name = tag.substr(kCoreTagPrefix.size());
  for (std::string_view t : {"str", "int", "float", "bool", "null", "seq", "map"})
    if (name == t) return true;
  return false;
}

// The tag as written in short form where it has one: "!!binary".
std::string short_tag(std::string_view tag) {
  if (tag.substr(0, kCoreTagPrefix.size()) == kCoreTagPrefix)
    return "!!" + std::string(tag.substr(kCoreTagPrefix.size()));
  return std::string(tag);
}

// A byte order mark of an encoding other than UTF-8, or nullptr.
const char* foreign_bom(std::string_view text) {
  if (text.substr(0, 4) == std::string_view("\0\0\xFE\xFF", 4) ||
      text.substr(0, 4) == std::string_view("\xFF\xFE\0\0", 4))
    return "UTF-32";
  if (text.substr(0, 2) == "\xFE\xFF" || text.substr(0, 2) == "\xFF\xFE") return "UTF-16";
  return nullptr;
}

// The line:column of a byte offset, counting columns in code points.
Mark mark_of_offset(std::string_view text, size_t offset) {
  Mark m{1, 1};
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++m.line;
      m.column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++m.column;
    }
  }
  return m;
}

Mark to_mark(const yaml_mark_t& m) {
  return Mark{static_cast<int>(m.line) + 1, static_cast<int>(m.column) + 1};
}

struct ParserDeleter {
  void operator()(yaml_parser_t* p) const {
    yaml_parser_delete(p);
    delete p;
  }
};

// Frees an event however the loop below leaves it.
class Event {
 public:
  ~Event() {
    if (filled_) yaml_event_delete(&e_);
  }
  yaml_event_t* get() { return &e_; }
  void filled() { filled_ = true; }
  const yaml_event_t& operator*() const { return e_; }

 private:
  yaml_event_t e_{};
  bool filled_ = false;
};

std::string_view as_view(const yaml_char_t* s) {
  return s ? std::string_view(reinterpret_cast<const char*>(s)) : std::string_view();
}
std::string_view as_view(const yaml_char_t* s, size_t n) {
  return s ? std::string_view(reinterpret_cast<const char*>(s), n) : std::string_view();
}

// Line `n` (from 1) of `text`, without its line break; "" past the end.
std::string_view line_text(std::string_view text, int n) {
  size_t start = 0;
  for (int i = 1; i < n; ++i) {
    start = text.find('\n', start);
    if (start == std::string_view::npos) return {};
    ++start;
  }
  std::string_view line = text.substr(std::min(start, text.size()));
  line = line.substr(0, line.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

int indent_of(std::string_view line) {
  return static_cast<int>(std::min(line.find_first_not_of(' '), line.size()));
}

std::string_view trimmed(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// The nearest line above `n` with content (not blank, not a comment); 0
// when there is none.
int line_above(std::string_view text, int n) {
  for (int i = n - 1; i >= 1; --i) {
    std::string_view t = trimmed(line_text(text, i));
    if (!t.empty() && t.front() != '#') return i;
  }
  return 0;
}

std::string quoted_text(std::string_view s) {
  constexpr size_t kMax = 40;
  std::string out = "\"" + std::string(s.substr(0, kMax));
  if (s.size() > kMax) out += "...";
  return out + "\"";
}

// Where the innermost '[' or '{' still open before line:column was opened
// (outside quotes and comments), or nullopt.
std::optional<Mark> open_bracket_before(std::string_view text, Mark end) {
  std::vector<Mark> open;
  Mark m{1, 1};
  char quote = 0;
  bool comment = false;
  char previous = ' ';
  for (size_t i = 0; i < text.size(); ++i) {
    if (m.line > end.line || (m.line == end.line && m.column >= end.column)) break;
    const char c = text[i];
    if (c == '\n') {
      comment = false;
      if (quote == '\'') quote = 0;  // a simple approximation: a plain line break ends it
    } else if (comment) {
    } else if (quote) {
      if (c == quote && !(quote == '"' && previous == '\\')) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#' && (previous == ' ' || previous == '\t' || m.column == 1)) {
      comment = true;
    } else if (c == '[' || c == '{') {
      open.push_back(m);
    } else if ((c == ']' || c == '}') && !open.empty()) {
      open.pop_back();
    }
    previous = c;
    if (c == '\n') {
      ++m.line;
      m.column = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++m.column;
    }
  }
  if (open.empty()) return std::nullopt;
  return open.back();
}

std::string at_line(int line, int column) {
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

bool is_plain_null(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

}  // namespace

// Turns libyaml's events into a Stream.
class StreamBuilder {
 public:
  explicit StreamBuilder(Stream* s) : s_(s) {}

  void run(std::string_view text) {
    std::unique_ptr<yaml_parser_t, ParserDeleter> parser(new yaml_parser_t);
    if (!yaml_parser_initialize(parser.get())) {
      delete parser.release();
      throw Error("out of memory initialising the YAML parser");
    }
    yaml_parser_set_input_string(parser.get(), reinterpret_cast<const unsigned char*>(text.data()),
                                 text.size());
    yaml_parser_set_encoding(parser.get(), YAML_UTF8_ENCODING);
    for (;;) {
      Event ev;
      if (!yaml_parser_parse(parser.get(), ev.get())) fail(*parser, text);
      ev.filled();
      if (on_event(*ev)) break;
    }
  }

 private:
  [[noreturn]] static void fail(const yaml_parser_t& p, std::string_view text) {
    std::string msg = p.problem ? p.problem : "malformed YAML";
    if (p.error == YAML_READER_ERROR)
      throw SyntaxError(mark_of_offset(text, p.problem_offset), "YAML syntax error: " + msg);
    Mark at = to_mark(p.problem_mark);
    msg = explain(msg, p.context ? p.context : "", to_mark(p.context_mark), text, &at);
    throw SyntaxError(at, "YAML syntax error: " + msg);
  }

  // libyaml says where its parser gave up, in its own terms: the end of the
  // file for a bracket never closed, the line after a key that lacks its
  // colon, "mapping values are not allowed" for a line indented too deep.
  // This says what is wrong in the author's terms and moves `at` to the
  // line to fix; other errors keep libyaml's words and place.
  static std::string explain(const std::string& problem, const std::string& context, Mark opened,
                             std::string_view text, Mark* at) {
    const std::string_view here = line_text(text, at->line);
    const int indent = indent_of(here);
    const int above = line_above(text, at->line);
    const std::string_view above_text = line_text(text, above);
    const std::string where_above = above ? " (line " + std::to_string(above) + " is at column " +
                                                std::to_string(indent_of(above_text) + 1) + ")"
                                          : "";
    if (problem == "found character that cannot start any token" && at->column >= 1 &&
        static_cast<size_t>(at->column) <= here.size() && here[at->column - 1] == '\t')
      return "a tab: YAML indents with spaces only";
    if (context == "while scanning a simple key" && problem == "could not find expected ':'") {
      std::string_view key =
          trimmed(line_text(text, opened.line)
                      .substr(std::min<size_t>(static_cast<size_t>(opened.column - 1),
                                               line_text(text, opened.line).size())));
      *at = opened;
      return "expected \": \" after " + quoted_text(key) + " (a field is written name: value)";
    }
    const char* never_closed = nullptr;
    if (context == "while parsing a flow sequence") never_closed = "the '[' here is never closed";
    if (context == "while parsing a flow mapping") never_closed = "the '{' here is never closed";
    if (context == "while scanning a quoted scalar")
      never_closed = "the quote here is never closed";
    // A bracket open at the end of the file: libyaml names no place for it.
    if (context == "while parsing a flow node" && problem == "did not find expected node content")
      if (std::optional<Mark> bracket = open_bracket_before(text, *at);
          bracket && bracket->line < at->line) {
        const std::string_view line = line_text(text, bracket->line);
        const size_t i = static_cast<size_t>(bracket->column - 1);
        never_closed = i < line.size() && line[i] == '{' ? "the '{' here is never closed"
                                                         : "the '[' here is never closed";
        opened = *bracket;
      }
    if (never_closed && at->line > opened.line) {
      std::string msg =
          std::string(never_closed) + " (" + problem + " at " + at_line(at->line, at->column) + ")";
      *at = opened;
      return msg;
    }
    if (problem == "mapping values are not allowed in this context" && above) {
      const int above_indent = indent_of(above_text);
      const std::string_view a = trimmed(above_text);
      if (indent == above_indent && a.find(':') == std::string_view::npos && a.front() != '-') {
        *at = Mark{above, above_indent + 1};
        return "expected \": \" after " + quoted_text(a) +
               " (a field is written name: value); without it, the next line is read as more "
               "of this text";
      }
      if (indent > above_indent) {
        *at = Mark{at->line, indent + 1};
        return "this line is indented deeper than line " + std::to_string(above) +
               " above it, which already has its value: indent it as the fields it belongs with";
      }
      return "a \": \" where no field can start: quote a value that holds \": \", or fix this "
             "line's indentation";
    }
    if (problem == "did not find expected key" && context == "while parsing a block mapping") {
      *at = Mark{at->line, indent + 1};
      return "this line is indented to column " + std::to_string(indent + 1) +
             ", which lines up with no field around it" + where_above +
             ": indent it as the fields it belongs with";
    }
    if (problem == "did not find expected '-' indicator") {
      *at = Mark{at->line, indent + 1};
      return "this line is indented less than the list item above it and more than the list" +
             where_above + ": indent it as that item's fields, or start a new item with \"- \"";
    }
    return context.empty() ? problem : problem + " " + context;
  }

  uint32_t store_text(std::string_view t) {
    auto at = static_cast<uint32_t>(s_->text_.size());
    s_->text_.append(t);
    return at;
  }

  uint32_t new_node(NodeType type, const yaml_mark_t& m, std::string_view tag) {
    if (!supported_tag(tag))
      throw SyntaxError(to_mark(m), "unsupported YAML tag " + short_tag(tag) +
                                        "; keyform reads plain YAML (strings, numbers, "
                                        "booleans, lists, mappings)");
    Stream::Entry e;
    e.type = type;
    Mark mk = to_mark(m);
    e.line = static_cast<uint32_t>(mk.line);
    e.column = static_cast<uint32_t>(mk.column);
    if (!tag.empty()) {
      e.tag_begin = store_text(tag);
      e.tag_size = static_cast<uint32_t>(tag.size());
    }
    s_->nodes_.push_back(e);
    return static_cast<uint32_t>(s_->nodes_.size() - 1);
  }

  // A finished node joins its parent, or becomes the document's root.
  void attach(uint32_t id, std::string_view anchor) {
    if (!anchor.empty()) anchors_[std::string(anchor)] = id;
    if (open_.empty()) {
      root_ = id;
      has_root_ = true;
    } else {
      pending_.push_back(id);
    }
  }

  // Returns true at the end of the stream.
  bool on_event(const yaml_event_t& ev) {
    switch (ev.type) {
      case YAML_STREAM_START_EVENT:
      case YAML_NO_EVENT:
        return false;
      case YAML_STREAM_END_EVENT:
        return true;
      case YAML_DOCUMENT_START_EVENT:
        anchors_.clear();
        has_root_ = false;
        return false;
      case YAML_DOCUMENT_END_EVENT:
        if (has_root_ && s_->nodes_[root_].type != NodeType::kNull) s_->roots_.push_back(root_);
        return false;
      case YAML_ALIAS_EVENT: {
        std::string_view name = as_view(ev.data.alias.anchor);
        auto it = anchors_.find(std::string(name));
        if (it == anchors_.end())
          throw SyntaxError(to_mark(ev.start_mark),
                            "YAML alias *" + std::string(name) +
                                " does not name a complete node defined before it");
        attach(it->second, {});
        return false;
      }
      case YAML_SCALAR_EVENT: {
        const auto& sc = ev.data.scalar;
        std::string_view tag = as_view(sc.tag);
        std::string_view value = as_view(sc.value, sc.length);
        bool plain = tag.empty() && sc.style == YAML_PLAIN_SCALAR_STYLE;
        bool null = (plain && is_plain_null(value)) || tag == kNullTag;
        uint32_t id = new_node(null ? NodeType::kNull : NodeType::kScalar, ev.start_mark, tag);
        Stream::Entry& e = s_->nodes_[id];
        e.plain = plain;
        if (!null) {
          e.text_begin = store_text(value);
          e.text_size = static_cast<uint32_t>(value.size());
        }
        attach(id, as_view(sc.anchor));
        return false;
      }
      case YAML_SEQUENCE_START_EVENT:
        check_depth(ev.start_mark);
        open_.push_back(
            {new_node(NodeType::kSequence, ev.start_mark, as_view(ev.data.sequence_start.tag)),
             pending_.size(), std::string(as_view(ev.data.sequence_start.anchor))});
        return false;
      case YAML_MAPPING_START_EVENT:
        check_depth(ev.start_mark);
        open_.push_back(
            {new_node(NodeType::kMapping, ev.start_mark, as_view(ev.data.mapping_start.tag)),
             pending_.size(), std::string(as_view(ev.data.mapping_start.anchor))});
        return false;
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT: {
        Open o = std::move(open_.back());
        open_.pop_back();
        Stream::Entry& e = s_->nodes_[o.id];
        e.child_begin = static_cast<uint32_t>(s_->children_.size());
        e.child_count = static_cast<uint32_t>(pending_.size() - o.first_pending);
        if (e.type == NodeType::kMapping) e.child_count /= 2;
        s_->children_.insert(s_->children_.end(), pending_.begin() + o.first_pending,
                             pending_.end());
        pending_.resize(o.first_pending);
        attach(o.id, o.anchor);
        return false;
      }
    }
    return false;
  }

  // Stops before walkers (and libyaml, whose flow scanning is quadratic in
  // depth) see an unreasonably deep document.
  void check_depth(const yaml_mark_t& m) const {
    if (open_.size() >= static_cast<size_t>(kMaxNestingDepth))
      throw SyntaxError(to_mark(m), "nested too deeply (over " + std::to_string(kMaxNestingDepth) +
                                        " levels of lists and mappings)");
  }

  struct Open {
    uint32_t id;
    size_t first_pending;  // where this collection's children start in pending_
    std::string anchor;
  };

  Stream* s_;
  std::vector<Open> open_;
  std::vector<uint32_t> pending_;
  std::unordered_map<std::string, uint32_t> anchors_;
  uint32_t root_ = 0;
  bool has_root_ = false;
};

std::unique_ptr<Stream> Stream::parse(std::string_view text) {
  if (text.size() > kMaxFileBytes)
    throw SyntaxError(Mark{1, 1}, "file too large (" + std::to_string(text.size()) +
                                      " bytes; the limit is " +
                                      std::to_string(kMaxFileBytes >> 20) + " MiB)");
  if (const char* encoding = foreign_bom(text))
    throw SyntaxError(Mark{1, 1}, std::string("the file is ") + encoding +
                                      " (it starts with a byte order mark); save it as UTF-8");
  // YAML allows a UTF-8 byte order mark; libyaml, told the encoding, does not
  // skip it. Marks count from after it, as an editor shows them.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  if (auto bad = invalid_utf8_offset(text)) {
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned char>(text[*bad]));
    throw SyntaxError(mark_of_offset(text, *bad),
                      std::string("not valid UTF-8 (byte ") + byte + "); save the file as UTF-8");
  }
  auto s = std::unique_ptr<Stream>(new Stream);
  StreamBuilder(s.get()).run(text);
  return s;
}

NodeType Node::type() const { return stream_->nodes_[id_].type; }

Mark Node::mark() const {
  const auto& e = stream_->nodes_[id_];
  return Mark{static_cast<int>(e.line), static_cast<int>(e.column)};
}

std::string_view Node::scalar() const {
  const auto& e = stream_->nodes_[id_];
  return std::string_view(stream_->text_).substr(e.text_begin, e.text_size);
}

bool Node::plain() const { return stream_->nodes_[id_].plain; }

std::string_view Node::tag() const {
  const auto& e = stream_->nodes_[id_];
  return std::string_view(stream_->text_).substr(e.tag_begin, e.tag_size);
}

size_t Node::size() const {
  const auto& e = stream_->nodes_[id_];
  return e.type == NodeType::kSequence || e.type == NodeType::kMapping ? e.child_count : 0;
}

Node Node::item(size_t i) const {
  const auto& e = stream_->nodes_[id_];
  return Node(stream_, stream_->children_[e.child_begin + i]);
}

Node Node::key(size_t i) const {
  const auto& e = stream_->nodes_[id_];
  return Node(stream_, stream_->children_[e.child_begin + 2 * i]);
}

Node Node::value(size_t i) const {
  const auto& e = stream_->nodes_[id_];
  return Node(stream_, stream_->children_[e.child_begin + 2 * i + 1]);
}

Node Node::get(std::string_view name) const {
  if (!valid() || !is_mapping()) return Node();
  for (size_t i = 0, n = size(); i < n; ++i) {
    Node k = key(i);
    if (k.is_scalar() && k.scalar() == name) return value(i);
  }
  return Node();
}

std::optional<int64_t> plain_integer(const Node& n) {
  if (!n.valid() || !n.is_scalar() || !(n.plain() || n.tag() == kIntTag)) return std::nullopt;
  std::string_view s = n.scalar();
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  size_t digits_from = !s.empty() && s[0] == '-' ? 1 : 0;
  if (s.size() == digits_from) return std::nullopt;
  for (size_t i = digits_from; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<bool> plain_boolean(const Node& n) {
  if (!n.valid() || !n.is_scalar() || !(n.plain() || n.tag() == kBoolTag)) return std::nullopt;
  std::string_view s = n.scalar();
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

std::optional<double> plain_number(const Node& n) {
  if (auto i = plain_integer(n)) return static_cast<double>(*i);
  if (!n.valid() || !n.is_scalar() || !(n.plain() || n.tag() == kFloatTag)) return std::nullopt;
  std::string s(n.scalar());
  // The core schema's float: digits with an optional fraction and exponent.
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  size_t digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  }
  if (digits == 0) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t exp = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++exp;
    if (exp == 0) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  double v = std::strtod(s.c_str(), nullptr);
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<size_t> invalid_utf8_offset(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size(), i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::nullopt;
}

}  // namespace keyform::yaml
