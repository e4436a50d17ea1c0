#pragma once
// The dependency graph: a DAG of resource addresses ("Certificate/web").
// An edge runs from a dependent to a dependency: the dependency is created,
// renewed or rotated first. Nodes are numbered in insertion order, and that
// order breaks every tie, so the same config always yields the same order.
//
// Not thread-safe; one thread owns the graph (see the executor).
#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "util/error.h"

namespace keyform {

// The graph has a cycle. The message names it:
//   "dependency cycle: Certificate/a -> Certificate/b -> Certificate/a"
// (each address depends on the next).
class CycleError : public Error {
 public:
  explicit CycleError(std::vector<std::string> cycle);
  // The cycle, its first address repeated at the end.
  const std::vector<std::string>& cycle() const { return cycle_; }

 private:
  std::vector<std::string> cycle_;
};

class Graph {
 public:
  using Id = uint32_t;

  // Returns the node's id, adding it when new.
  Id add_node(const std::string& address);
  // `dependent` depends on `dependency`; adds either node when new. Adding
  // an edge twice is harmless. A self-edge is a cycle.
  void add_edge(const std::string& dependent, const std::string& dependency);

  bool contains(const std::string& address) const { return ids_.count(address) > 0; }
  size_t size() const { return addresses_.size(); }
  // Every address, in insertion order.
  const std::vector<std::string>& addresses() const { return addresses_; }

  // Dependencies before their dependents; among nodes that are ready at the
  // same time, insertion order. Throws CycleError. O((V + E) log V).
  std::vector<std::string> topological_order() const;
  // The same order cut into waves: wave 0 has no dependencies, wave k
  // depends on something in wave k-1. Each wave in insertion order.
  std::vector<std::vector<std::string>> waves() const;
  // A cycle, its first address repeated at the end; empty when acyclic.
  std::vector<std::string> find_cycle() const;

  // Direct neighbours and transitive closures of a node, in insertion
  // order; empty for an unknown address.
  std::vector<std::string> dependencies(const std::string& address) const;
  std::vector<std::string> dependents(const std::string& address) const;
  std::vector<std::string> transitive_dependencies(const std::string& address) const;
  std::vector<std::string> transitive_dependents(const std::string& address) const;

 private:
  const Id* find(const std::string& address) const;
  std::vector<std::string> names(std::vector<Id> ids) const;
  std::vector<std::string> closure(Id start, const std::vector<std::vector<Id>>& next) const;
  // Nodes in topological order, or fewer than size() when there is a cycle.
  std::vector<Id> order_ids() const;

  std::vector<std::string> addresses_;
  std::unordered_map<std::string, Id> ids_;
  std::vector<std::vector<Id>> deps_;        // id -> what it depends on
  std::vector<std::vector<Id>> dependents_;  // id -> what depends on it
  std::unordered_set<uint64_t> edges_;       // dependent << 32 | dependency
};

}  // namespace keyform
