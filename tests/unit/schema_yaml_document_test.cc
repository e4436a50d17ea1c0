#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "schema/yaml_document.h"

namespace keyform::yaml {
namespace {

using ::testing::HasSubstr;

TEST(YamlDocument, ParsesMappingsSequencesAndMarks) {
  auto s = Stream::parse("kind: Certificate\nspec:\n  dnsNames: [a, \"b\"]\n");
  ASSERT_EQ(s->size(), 1u);
  Node doc = s->document(0);
  ASSERT_TRUE(doc.is_mapping());
  EXPECT_EQ(doc.size(), 2u);
  EXPECT_EQ(doc.key(0).scalar(), "kind");
  EXPECT_EQ(doc.get("kind").scalar(), "Certificate");
  EXPECT_EQ(doc.get("kind").mark().line, 1);
  EXPECT_EQ(doc.get("kind").mark().column, 7);
  Node names = doc.get("spec").get("dnsNames");
  ASSERT_TRUE(names.is_sequence());
  ASSERT_EQ(names.size(), 2u);
  EXPECT_TRUE(names.item(0).plain());
  EXPECT_FALSE(names.item(1).plain());
  EXPECT_EQ(names.item(1).mark().line, 3);
  EXPECT_EQ(names.item(1).mark().column, 17);
  EXPECT_FALSE(doc.get("missing").valid());
}

TEST(YamlDocument, SkipsEmptyDocuments) {
  auto s = Stream::parse("# only a comment\n---\n---\na: 1\n---\n~\n");
  ASSERT_EQ(s->size(), 1u);
  EXPECT_EQ(s->document(0).get("a").scalar(), "1");
}

TEST(YamlDocument, NullsAndQuotedNulls) {
  auto s = Stream::parse("a:\nb: ~\nc: null\nd: \"null\"\ne: ''\n");
  Node doc = s->document(0);
  EXPECT_TRUE(doc.get("a").is_null());
  EXPECT_TRUE(doc.get("b").is_null());
  EXPECT_TRUE(doc.get("c").is_null());
  EXPECT_TRUE(doc.get("d").is_scalar());
  EXPECT_TRUE(doc.get("e").is_scalar());
  EXPECT_EQ(doc.get("e").scalar(), "");
}

TEST(YamlDocument, CoreSchemaReadings) {
  auto s = Stream::parse("[1, -7, +3, '1', 1.5, 1e3, true, False, 'true', yes, 0x10, !!int '5']");
  Node n = s->document(0);
  EXPECT_EQ(plain_integer(n.item(0)), 1);
  EXPECT_EQ(plain_integer(n.item(1)), -7);
  EXPECT_EQ(plain_integer(n.item(2)), 3);
  EXPECT_FALSE(plain_integer(n.item(3)));  // quoted: a string
  EXPECT_FALSE(plain_integer(n.item(4)));
  EXPECT_EQ(plain_number(n.item(4)), 1.5);
  EXPECT_EQ(plain_number(n.item(5)), 1000.0);
  EXPECT_EQ(plain_boolean(n.item(6)), true);
  EXPECT_EQ(plain_boolean(n.item(7)), false);
  EXPECT_FALSE(plain_boolean(n.item(8)));
  EXPECT_FALSE(plain_boolean(n.item(9)));  // YAML 1.2: yes is a string
  EXPECT_FALSE(plain_integer(n.item(10)));
  EXPECT_EQ(plain_integer(n.item(11)), 5);  // an explicit tag counts
}

TEST(YamlDocument, AliasesShareTheirAnchorsNode) {
  auto s = Stream::parse("a: &x {k: v}\nb: *x\n");
  Node doc = s->document(0);
  EXPECT_TRUE(doc.get("a").same(doc.get("b")));
}

TEST(YamlDocument, AnAliasCannotReferToItself) {
  try {
    Stream::parse("a: &x [*x]\n");
    FAIL() << "expected a SyntaxError";
  } catch (const SyntaxError& e) {
    EXPECT_EQ(e.mark().line, 1);
    EXPECT_THAT(e.what(), HasSubstr("alias *x"));
  }
}

TEST(YamlDocument, SyntaxErrorsHaveMarks) {
  try {
    Stream::parse("a: 1\nb: [1, 2\nc: 3\n");
    FAIL() << "expected a SyntaxError";
  } catch (const SyntaxError& e) {
    EXPECT_THAT(e.what(), HasSubstr("YAML syntax error"));
    EXPECT_GE(e.mark().line, 2);
  }
}

TEST(YamlDocument, RejectsInvalidUtf8WithItsPosition) {
  try {
    Stream::parse("a: 1\nb: caf\xe9\n");
    FAIL() << "expected a SyntaxError";
  } catch (const SyntaxError& e) {
    EXPECT_THAT(e.what(), HasSubstr("not valid UTF-8 (byte 0xe9)"));
    EXPECT_EQ(e.mark().line, 2);
    EXPECT_EQ(e.mark().column, 7);
  }
}

TEST(YamlDocument, Utf8Validation) {
  EXPECT_FALSE(invalid_utf8_offset("plain ascii"));
  EXPECT_FALSE(invalid_utf8_offset("caf\xc3\xa9 \xf0\x9f\x94\x91"));
  EXPECT_EQ(invalid_utf8_offset("ab\xc0\xaf"), 2u);    // overlong
  EXPECT_EQ(invalid_utf8_offset("\xed\xa0\x80"), 0u);  // a surrogate
  EXPECT_EQ(invalid_utf8_offset("x\xe2\x82"), 1u);     // truncated
  EXPECT_EQ(invalid_utf8_offset("\xff\xfe"), 0u);      // a UTF-16 byte order mark
}

TEST(YamlDocument, AcceptsAByteOrderMark) {
  auto s = Stream::parse("\xef\xbb\xbfkind: KmsKey\n");
  ASSERT_EQ(s->size(), 1u);
  EXPECT_EQ(s->document(0).get("kind").scalar(), "KmsKey");
}

TEST(YamlDocument, MarksCountFromAfterAByteOrderMark) {
  auto s = Stream::parse("\xef\xbb\xbfkind: KmsKey\nname: k\n");
  Node doc = s->document(0);
  EXPECT_EQ(doc.get("name").scalar(), "k");
  EXPECT_EQ(doc.get("kind").mark().column, 7);
  EXPECT_EQ(doc.get("name").mark().line, 2);
}

// The message a SyntaxError carries, or "" when `text` parses.
std::string syntax_error(std::string_view text, Mark* mark = nullptr) {
  try {
    Stream::parse(text);
  } catch (const SyntaxError& e) {
    if (mark) *mark = e.mark();
    return e.what();
  }
  return "";
}

TEST(YamlDocument, RefusesOtherEncodingsByTheirByteOrderMark) {
  EXPECT_THAT(syntax_error(std::string_view("\xff\xfek\0:\0", 6)), HasSubstr("is UTF-16"));
  EXPECT_THAT(syntax_error(std::string_view("\xfe\xff\0k", 4)), HasSubstr("is UTF-16"));
  EXPECT_THAT(syntax_error(std::string_view("\xff\xfe\0\0k\0\0\0", 8)), HasSubstr("is UTF-32"));
}

TEST(YamlDocument, RefusesTagsOutsideTheCoreSchema) {
  Mark at;
  EXPECT_THAT(syntax_error("a: 1\nb: !!binary aGk=\n", &at),
              HasSubstr("unsupported YAML tag !!binary"));
  EXPECT_EQ(at.line, 2);
  EXPECT_EQ(at.column, 4);
  EXPECT_THAT(syntax_error("a: !custom x\n"), HasSubstr("unsupported YAML tag !custom"));
  EXPECT_THAT(syntax_error("a: !<tag:example.com,2000:x> x\n"), HasSubstr("unsupported YAML tag"));
  EXPECT_EQ(syntax_error("a: !!str 1\nb: !!int 2\nc: ! x\nd: !!map {}\ne: !!seq []\n"), "");
}

TEST(YamlDocument, RefusesNestingPastTheLimit) {
  std::string ok(kMaxNestingDepth, '[');
  ok += std::string(kMaxNestingDepth, ']');
  EXPECT_EQ(syntax_error(ok), "");
  Mark at;
  std::string deep(kMaxNestingDepth + 1, '[');
  deep += std::string(kMaxNestingDepth + 1, ']');
  EXPECT_THAT(syntax_error(deep, &at), HasSubstr("nested too deeply"));
  EXPECT_EQ(at.column, kMaxNestingDepth + 1);
  // Block collections count the same.
  std::string block;
  for (int i = 0; i <= kMaxNestingDepth; ++i) block += std::string(2 * i, ' ') + "a:\n";
  EXPECT_THAT(syntax_error(block), HasSubstr("nested too deeply"));
}

TEST(YamlDocument, RefusesTextPastTheSizeLimit) {
  std::string big = "a: " + std::string(kMaxFileBytes, 'x');
  Mark at;
  EXPECT_THAT(syntax_error(big, &at), HasSubstr("file too large"));
  EXPECT_EQ(at.line, 1);
}

// Indentation mistakes are reported at the line to fix, in the author's
// terms rather than libyaml's parser states.
std::string error_at(std::string_view text) {
  Mark at;
  std::string message = syntax_error(text, &at);
  return std::to_string(at.line) + ":" + std::to_string(at.column) + " " + message;
}

TEST(YamlDocument, AKeyIndentedTooDeepIsNamedOnItsLine) {
  EXPECT_EQ(error_at("spec:\n  issuer: root\n   commonName: x\n"),
            "3:4 YAML syntax error: this line is indented deeper than line 2 above it, which "
            "already has its value: indent it as the fields it belongs with");
}

TEST(YamlDocument, AKeyWithoutItsColonIsNamedOnItsLineNotTheNext) {
  EXPECT_EQ(error_at("spec:\n  issuer root\n  validity: 90d\n"),
            "2:3 YAML syntax error: expected \": \" after \"issuer root\" (a field is written "
            "name: value); without it, the next line is read as more of this text");
  // The last line of a file: libyaml gives up at the end of the file.
  EXPECT_EQ(error_at("spec:\n  issuer: root\n  validity 90d\n"),
            "3:3 YAML syntax error: expected \": \" after \"validity 90d\" (a field is written "
            "name: value)");
}

TEST(YamlDocument, AKeyBetweenTwoIndentationsSaysWhereTheLineAboveIs) {
  EXPECT_EQ(error_at("kind: KmsKey\nspec:\n    rotation: {every: 30d}\n  deletionWindow: 7d\n"),
            "4:3 YAML syntax error: this line is indented to column 3, which lines up with no "
            "field around it (line 3 is at column 5): indent it as the fields it belongs with");
  EXPECT_THAT(error_at("files:\n  - path: a\n    content: x\n   mode: '0644'\n"),
              HasSubstr("4:4 YAML syntax error: this line is indented less than the list item "
                        "above it and more than the list (line 3 is at column 5)"));
}

TEST(YamlDocument, AnUnclosedBracketOrQuoteIsReportedWhereItOpens) {
  EXPECT_EQ(error_at("kind: Certificate\nname: [unclosed\n"),
            "2:7 YAML syntax error: the '[' here is never closed (did not find expected ',' or "
            "']' at line 3, column 1)");
  // libyaml names no place when the file ends right after the bracket.
  EXPECT_EQ(error_at("kind: Project\nname: [\n"),
            "2:7 YAML syntax error: the '[' here is never closed (did not find expected node "
            "content at line 3, column 1)");
  EXPECT_THAT(error_at("a: \"[x\"\nb: {\n"), HasSubstr("2:4 YAML syntax error: the '{' here"));
  EXPECT_THAT(error_at("a: 1\nb: \"open\nc: 3\n"),
              HasSubstr("2:4 YAML syntax error: the quote here is never closed"));
}

TEST(YamlDocument, ATabInIndentationIsNamed) {
  EXPECT_EQ(error_at("spec:\n\trotation: {every: 30d}\n"),
            "2:1 YAML syntax error: a tab: YAML indents with spaces only");
}

TEST(YamlDocument, ColumnsCountCharacters) {
  auto s = Stream::parse("d: \xc3\xa9t\xc3\xa9\nname: [\xc3\xa9, x]\n");
  Node doc = s->document(0);
  EXPECT_EQ(doc.get("name").item(1).mark().column, 11);
}

}  // namespace
}  // namespace keyform::yaml
