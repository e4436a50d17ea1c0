#pragma once
// A parsed YAML stream: every document of a file as a compact, read-only
// tree with 1-based line:column marks.
//
// Built on libyaml's event parser rather than yaml-cpp: loading 10,000
// resources with yaml-cpp takes ~0.6 s in a Release build; libyaml plus this
// tree takes a tenth of that. Nodes live in one arena per stream; an alias is
// a second reference to its anchor's node (never a copy), so an alias bomb
// costs no memory here -- walkers bound their work with a node budget. An
// alias may only name a node that is complete, so the tree has no cycles.
//
// Scalars are resolved with the YAML 1.2 core schema: a plain `~`, `null` or
// empty value is null; everything else is a scalar whose text is kept
// verbatim, and whether it reads as an integer or a boolean is decided by
// the JSON Schema asking for one (see plain_integer, plain_boolean).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace keyform::yaml {

// Limits on one YAML text, so that no input makes loading slow or crash
// (docs/security.md lists them). Past either, parse() throws SyntaxError.
inline constexpr size_t kMaxFileBytes = 16u << 20;  // 16 MiB
// Collections inside collections; keyform's deepest schema needs 6.
inline constexpr int kMaxNestingDepth = 64;

struct Mark {
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based
};

enum class NodeType : uint8_t { kNull, kScalar, kSequence, kMapping };

// A syntax error, or input that is not UTF-8.
class SyntaxError : public Error {
 public:
  SyntaxError(Mark mark, const std::string& message) : Error(message), mark_(mark) {}
  Mark mark() const { return mark_; }

 private:
  Mark mark_;
};

class Stream;

// A handle to one node of a Stream; valid while the Stream lives. Cheap to
// copy. Read-only.
class Node {
 public:
  Node() = default;

  bool valid() const { return stream_ != nullptr; }
  NodeType type() const;
  bool is_null() const { return type() == NodeType::kNull; }
  bool is_scalar() const { return type() == NodeType::kScalar; }
  bool is_sequence() const { return type() == NodeType::kSequence; }
  bool is_mapping() const { return type() == NodeType::kMapping; }
  Mark mark() const;

  // The scalar's text, verbatim ("" for null and collections).
  std::string_view scalar() const;
  // A plain scalar: written without quotes or an explicit tag, so it may be
  // read as a number or a boolean.
  bool plain() const;
  // The explicit tag, expanded ("tag:yaml.org,2002:str"), or "".
  std::string_view tag() const;

  // Sequences: the number of items; mappings: the number of entries.
  size_t size() const;
  Node item(size_t i) const;   // sequences
  Node key(size_t i) const;    // mappings, in document order
  Node value(size_t i) const;  // mappings
  // The value of the first entry whose key is the scalar `name`; an invalid
  // Node when absent or when this is not a mapping.
  Node get(std::string_view name) const;

  // Two handles to the same node (an alias and its anchor are the same).
  bool same(const Node& o) const { return stream_ == o.stream_ && id_ == o.id_; }

 private:
  friend class Stream;
  Node(const Stream* s, uint32_t id) : stream_(s), id_(id) {}
  const Stream* stream_ = nullptr;
  uint32_t id_ = 0;
};

// Every document of one YAML text. Empty documents (a lone `---`, a file of
// comments) are skipped.
class Stream {
 public:
  // Throws SyntaxError for malformed YAML, input that is not UTF-8 (a
  // leading UTF-8 byte order mark is skipped), a tag other than the core
  // schema's (!!str, !!int, !!float, !!bool, !!null, !!seq, !!map) and text
  // past kMaxFileBytes or kMaxNestingDepth.
  static std::unique_ptr<Stream> parse(std::string_view text);

  size_t size() const { return roots_.size(); }
  Node document(size_t i) const { return Node(this, roots_[i]); }

 private:
  friend class Node;
  friend class StreamBuilder;
  struct Entry {
    NodeType type = NodeType::kNull;
    bool plain = false;
    uint32_t line = 0, column = 0;
    uint32_t text_begin = 0, text_size = 0;     // into text_
    uint32_t tag_begin = 0, tag_size = 0;       // into text_
    uint32_t child_begin = 0, child_count = 0;  // into children_
  };
  std::vector<Entry> nodes_;
  // Sequence items, or mapping keys and values interleaved.
  std::vector<uint32_t> children_;
  std::string text_;  // scalar texts and tags, back to back
  std::vector<uint32_t> roots_;
};

// YAML 1.2 core schema readings of a plain scalar. nullopt when the node is
// not a scalar of that kind. An explicit !!int / !!bool tag also counts.
std::optional<int64_t> plain_integer(const Node& n);
std::optional<bool> plain_boolean(const Node& n);
std::optional<double> plain_number(const Node& n);

// Where `text` stops being valid UTF-8: the byte offset, or nullopt.
std::optional<size_t> invalid_utf8_offset(std::string_view text);

}  // namespace keyform::yaml
