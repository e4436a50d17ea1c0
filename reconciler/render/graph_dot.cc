#include "reconciler/render/graph_dot.h"

#include <set>
#include <sstream>

namespace keyform {

namespace {

// A DOT double-quoted ID: only '"' and '\' need escaping.
std::string dot_id(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string_view shape_of(std::string_view kind) {
  if (kind == "CertificateAuthority") return "doubleoctagon";
  if (kind == "Certificate") return "note";
  if (kind == "KmsKey") return "hexagon";
  if (kind == "DeploymentTarget") return "folder";
  return "box";
}

// Fill colours (X11 names dot knows): creation green, changes in place
// yellow, new key material orange, removal red, nothing to do white.
std::string_view colour_of(ActionType t) {
  switch (t) {
    case ActionType::kNoOp:
      return "white";
    case ActionType::kCreate:
      return "palegreen";
    case ActionType::kReplace:
    case ActionType::kRenew:
    case ActionType::kRotate:
      return "orange";
    case ActionType::kRevoke:
    case ActionType::kDelete:
      return "lightcoral";
    default:
      return "khaki";
  }
}

std::string_view kind_of(std::string_view address) { return address.substr(0, address.find('/')); }

}  // namespace

std::string render_graph_dot(const Config& config, const Graph& graph, const Plan* plan) {
  std::ostringstream out;
  out << "digraph keyform {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n";
  auto node = [&](const std::string& address, const Action* action, bool deleted) {
    out << "  " << dot_id(address) << " [shape=" << shape_of(kind_of(address));
    if (action) {
      out << ", style=\"filled" << (deleted ? ",dashed" : "")
          << "\", fillcolor=" << colour_of(action->type)
          << ", tooltip=" << dot_id(std::string(action_name(action->type)));
    }
    out << "];\n";
  };
  // The action that colours a node: its first change (a CA may hold a no-op
  // and a revoke), else its no-op.
  auto shown = [&](const std::string& address) -> const Action* {
    if (!plan) return nullptr;
    for (const Action& a : plan->actions)
      if (a.address == address && a.type != ActionType::kNoOp) return &a;
    return plan->find(address);
  };
  for (const std::string& a : graph.topological_order()) {
    node(a, shown(a), false);
    for (const std::string& d : graph.dependencies(a))
      out << "  " << dot_id(a) << " -> " << dot_id(d) << ";\n";
  }
  if (plan) {
    std::set<ActionType> used;
    std::set<std::string> deleted;  // drawn once, however many actions
    for (const Action& a : plan->actions) {
      used.insert(a.type);
      if (!config.find(a.address) && deleted.insert(a.address).second)
        node(a.address, shown(a.address), true);
    }
    // The legend: one box per action the plan holds, in a box of its own.
    out << "  subgraph cluster_legend {\n    label=\"planned action\";\n    style=rounded;\n";
    for (ActionType t : used)
      out << "    " << dot_id("legend " + std::string(action_name(t)))
          << " [shape=box, style=filled, fillcolor=" << colour_of(t)
          << ", label=" << dot_id(std::string(action_name(t))) << "];\n";
    out << "  }\n";
  }
  out << "}\n";
  return out.str();
}

}  // namespace keyform
