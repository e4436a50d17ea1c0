#include "reconciler/render/plan_markdown.h"

#include <set>
#include <sstream>

#include "reconciler/render/plan_render.h"
#include "util/time.h"

namespace keyform {

std::string markdown_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '|':
      case '#':
        out += '\\';
        out += c;
        break;
      case '\n':
        out += ' ';
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

// Inside <summary> markdown escapes are not reliably honoured: only HTML.
std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else
      out += c;
  }
  return out;
}

// The changing actions that wait, directly or through others, for `address`.
size_t followers(const Plan& plan, const std::string& address) {
  std::set<std::string> reached{address};
  size_t n = 0;
  // Actions are in dependency order, so one pass sees every predecessor
  // before its followers; deletions come last and never follow a create.
  for (const Action& a : plan.actions) {
    if (a.type == ActionType::kNoOp || reached.count(a.address)) continue;
    for (const std::string& dep : a.after)
      if (reached.count(dep)) {
        reached.insert(a.address);
        ++n;
        break;
      }
  }
  return n;
}

std::vector<std::string> warnings(const Plan& plan) {
  std::vector<std::string> out;
  for (const std::string& e : plan.errors)
    out.push_back("**Error** (the plan cannot be applied): " + markdown_escape(e));
  for (const Action& a : plan.actions) {
    const std::string addr = "`" + a.address + "`";
    if (a.type == ActionType::kDelete) {
      out.push_back("**delete** " + addr +
                    ": its deployed files are removed and its sealed objects destroyed");
    } else if (a.type == ActionType::kReplace && a.address.starts_with("CertificateAuthority/")) {
      size_t n = followers(plan, a.address);
      out.push_back("**replace** " + addr + ": a new CA key; everything it signed is re-issued (" +
                    std::to_string(n) + (n == 1 ? " action follows" : " actions follow") +
                    " from it)");
    }
  }
  return out;
}

}  // namespace

std::string render_plan_markdown(const Plan& plan) {
  std::ostringstream out;
  size_t changed = 0;
  for (const Action& a : plan.actions) changed += a.type != ActionType::kNoOp;
  const size_t unchanged = plan.actions.size() - changed;

  if (!plan.has_changes())
    out << "### No changes\n\n";
  else
    out << "### " << plan_summary(plan) << "\n\n";
  out << "keyform plan at " << format_rfc3339(plan.now) << " from state serial " << plan.serial
      << ": " << changed << " to change, " << unchanged << " unchanged.\n\n";

  if (plan.has_changes()) {
    out << "| action | count |\n|---|---:|\n";
    for (const auto& [type, n] : plan.counts())
      out << "| " << action_name(type) << " | " << n << " |\n";
    out << "\n";
    for (const Action& a : plan.actions) {
      if (a.type == ActionType::kNoOp) continue;
      out << "<details><summary>" << html_escape(action_symbol(a.type)) << " "
          << action_name(a.type) << " " << html_escape(a.address) << "</summary>\n\n";
      for (const std::string& r : a.reasons) out << "- " << markdown_escape(r) << "\n";
      if (!a.after.empty()) {
        out << "- waits for:";
        for (size_t i = 0; i < a.after.size(); ++i)
          out << (i ? ", " : " ") << "`" << a.after[i] << "`";
        out << "\n";
      }
      out << "\n</details>\n\n";
    }
  }

  std::vector<std::string> w = warnings(plan);
  if (!w.empty()) {
    out << "### ⚠ Warnings\n\n";
    for (const std::string& line : w) out << "- " << line << "\n";
    out << "\n";
  }
  std::string text = out.str();
  while (text.size() > 1 && text[text.size() - 1] == '\n' && text[text.size() - 2] == '\n')
    text.pop_back();
  return text;
}

}  // namespace keyform
