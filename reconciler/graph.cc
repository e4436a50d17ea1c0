#include "reconciler/graph.h"

#include <algorithm>
#include <functional>
#include <queue>

namespace keyform {

namespace {

std::string cycle_message(const std::vector<std::string>& cycle) {
  std::string msg = "dependency cycle: ";
  for (size_t i = 0; i < cycle.size(); ++i) {
    if (i > 0) msg += " -> ";
    msg += cycle[i];
  }
  return msg;
}

}  // namespace

CycleError::CycleError(std::vector<std::string> cycle)
    : Error(cycle_message(cycle)), cycle_(std::move(cycle)) {}

Graph::Id Graph::add_node(const std::string& address) {
  auto [it, added] = ids_.try_emplace(address, static_cast<Id>(addresses_.size()));
  if (added) {
    addresses_.push_back(address);
    deps_.emplace_back();
    dependents_.emplace_back();
  }
  return it->second;
}

void Graph::add_edge(const std::string& dependent, const std::string& dependency) {
  Id from = add_node(dependent);
  Id to = add_node(dependency);
  if (!edges_.insert(static_cast<uint64_t>(from) << 32 | to).second) return;
  deps_[from].push_back(to);
  dependents_[to].push_back(from);
}

const Graph::Id* Graph::find(const std::string& address) const {
  auto it = ids_.find(address);
  return it == ids_.end() ? nullptr : &it->second;
}

std::vector<std::string> Graph::names(std::vector<Id> ids) const {
  std::sort(ids.begin(), ids.end());
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (Id id : ids) out.push_back(addresses_[id]);
  return out;
}

std::vector<Graph::Id> Graph::order_ids() const {
  // Kahn's algorithm; the min-heap makes ties go by insertion order.
  std::vector<size_t> waiting(size());
  std::priority_queue<Id, std::vector<Id>, std::greater<Id>> ready;
  for (Id id = 0; id < size(); ++id) {
    waiting[id] = deps_[id].size();
    if (waiting[id] == 0) ready.push(id);
  }
  std::vector<Id> order;
  order.reserve(size());
  while (!ready.empty()) {
    Id id = ready.top();
    ready.pop();
    order.push_back(id);
    for (Id d : dependents_[id])
      if (--waiting[d] == 0) ready.push(d);
  }
  return order;
}

std::vector<std::string> Graph::topological_order() const {
  std::vector<Id> order = order_ids();
  if (order.size() != size()) throw CycleError(find_cycle());
  std::vector<std::string> out;
  out.reserve(order.size());
  for (Id id : order) out.push_back(addresses_[id]);
  return out;
}

std::vector<std::vector<std::string>> Graph::waves() const {
  std::vector<Id> order = order_ids();
  if (order.size() != size()) throw CycleError(find_cycle());
  std::vector<size_t> level(size(), 0);
  size_t levels = 0;
  for (Id id : order) {
    for (Id d : deps_[id]) level[id] = std::max(level[id], level[d] + 1);
    levels = std::max(levels, level[id] + 1);
  }
  std::vector<std::vector<std::string>> out(levels);
  for (Id id = 0; id < size(); ++id) out[level[id]].push_back(addresses_[id]);
  return out;
}

std::vector<std::string> Graph::find_cycle() const {
  // Iterative depth-first search along dependencies; a grey node reached
  // again closes a cycle. Starts from the lowest id, so it is deterministic.
  enum Color : uint8_t { kWhite, kGrey, kBlack };
  std::vector<Color> color(size(), kWhite);
  std::vector<std::pair<Id, size_t>> stack;  // node, next dependency to visit
  for (Id start = 0; start < size(); ++start) {
    if (color[start] != kWhite) continue;
    stack.push_back({start, 0});
    color[start] = kGrey;
    while (!stack.empty()) {
      auto& [id, next] = stack.back();
      if (next == deps_[id].size()) {
        color[id] = kBlack;
        stack.pop_back();
        continue;
      }
      Id d = deps_[id][next++];
      if (color[d] == kWhite) {
        color[d] = kGrey;
        stack.push_back({d, 0});
      } else if (color[d] == kGrey) {
        std::vector<std::string> cycle;
        auto from = std::find_if(stack.begin(), stack.end(),
                                 [d](const auto& frame) { return frame.first == d; });
        for (auto it = from; it != stack.end(); ++it) cycle.push_back(addresses_[it->first]);
        cycle.push_back(addresses_[d]);
        return cycle;
      }
    }
  }
  return {};
}

std::vector<std::string> Graph::dependencies(const std::string& address) const {
  const Id* id = find(address);
  return id ? names(deps_[*id]) : std::vector<std::string>();
}

std::vector<std::string> Graph::dependents(const std::string& address) const {
  const Id* id = find(address);
  return id ? names(dependents_[*id]) : std::vector<std::string>();
}

std::vector<std::string> Graph::closure(Id start, const std::vector<std::vector<Id>>& next) const {
  std::vector<bool> seen(size(), false);
  std::vector<Id> todo = {start}, found;
  seen[start] = true;
  while (!todo.empty()) {
    Id id = todo.back();
    todo.pop_back();
    for (Id n : next[id]) {
      if (seen[n]) continue;
      seen[n] = true;
      found.push_back(n);
      todo.push_back(n);
    }
  }
  return names(std::move(found));
}

std::vector<std::string> Graph::transitive_dependencies(const std::string& address) const {
  const Id* id = find(address);
  return id ? closure(*id, deps_) : std::vector<std::string>();
}

std::vector<std::string> Graph::transitive_dependents(const std::string& address) const {
  const Id* id = find(address);
  return id ? closure(*id, dependents_) : std::vector<std::string>();
}

}  // namespace keyform
