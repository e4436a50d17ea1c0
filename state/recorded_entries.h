#pragma once
// The recorded entries of a state, by address: immutable once published.
//
// Each entry is held by a shared pointer to a const value, as LevelDB holds
// its refcounted Versions. A reader (an apply worker) takes a snapshot with
// share() and keeps it for as long as it runs; the owner never changes a
// published entry in place: put() and erase() swap the pointer, and edit()
// copies the entry first when anyone else still holds it. So a worker reads
// what was recorded when it started, whatever the owner folds in meanwhile.
//
// Thread safety: one thread (the state's owner) calls the mutators; the
// snapshots it handed out may be read on any thread at any time.
#include <cstddef>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "state/recorded_resource.h"

namespace keyform {

class RecordedEntries {
  using Map = std::map<std::string, std::shared_ptr<RecordedResource>>;

 public:
  using Snapshot = std::shared_ptr<const RecordedResource>;

  // Iterates (address, entry) pairs in address order.
  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::pair<const std::string&, const RecordedResource&>;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = value_type;

    const_iterator() = default;
    explicit const_iterator(Map::const_iterator it) : it_(it) {}
    value_type operator*() const { return {it_->first, *it_->second}; }
    const_iterator& operator++() {
      ++it_;
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator old = *this;
      ++it_;
      return old;
    }
    bool operator==(const const_iterator& o) const { return it_ == o.it_; }

   private:
    Map::const_iterator it_;
  };

  const_iterator begin() const { return const_iterator(map_.begin()); }
  const_iterator end() const { return const_iterator(map_.end()); }
  size_t size() const { return map_.size(); }
  bool empty() const { return map_.empty(); }
  size_t count(const std::string& address) const { return map_.count(address); }

  // The entries whose address starts with `prefix` ("FleetAgent/": one
  // kind), in address order, found in O(log n) rather than by a scan.
  struct Range {
    const_iterator b, e;
    const_iterator begin() const { return b; }
    const_iterator end() const { return e; }
  };
  Range with_prefix(const std::string& prefix) const {
    auto lo = map_.lower_bound(prefix);
    auto hi = lo;
    if (!prefix.empty() && static_cast<unsigned char>(prefix.back()) < 0xff) {
      std::string past = prefix;  // the first string after every one with the prefix
      ++past.back();
      hi = map_.lower_bound(past);
    } else {
      while (hi != map_.end() && hi->first.starts_with(prefix)) ++hi;
    }
    return {const_iterator(lo), const_iterator(hi)};
  }

  // Null when the address is not recorded.
  const RecordedResource* find(const std::string& address) const {
    auto it = map_.find(address);
    return it == map_.end() ? nullptr : it->second.get();
  }
  // Throws std::out_of_range when the address is not recorded.
  const RecordedResource& at(const std::string& address) const { return *map_.at(address); }
  // The entry as recorded now, kept alive and unchanged for the holder; null
  // when the address is not recorded.
  Snapshot share(const std::string& address) const {
    auto it = map_.find(address);
    return it == map_.end() ? nullptr : it->second;
  }

  // Publishes `entry` at its address (replacing any earlier one).
  void put(const std::string& address, RecordedResource entry) {
    map_.insert_or_assign(address, std::make_shared<RecordedResource>(std::move(entry)));
  }
  // The same at the end of the map (entries arriving sorted, as a snapshot's).
  void put_last(const std::string& address, RecordedResource entry) {
    map_.emplace_hint(map_.end(), address, std::make_shared<RecordedResource>(std::move(entry)));
  }
  void erase(const std::string& address) { map_.erase(address); }

  // A mutable entry at `address`, default-made when absent. Copy-on-write:
  // when a snapshot of it is held elsewhere, the holder keeps the old value
  // and the state gets a copy. Owner thread only.
  RecordedResource& edit(const std::string& address) {
    std::shared_ptr<RecordedResource>& p = map_[address];
    if (!p)
      p = std::make_shared<RecordedResource>();
    else if (p.use_count() > 1)
      p = std::make_shared<RecordedResource>(*p);
    return *p;
  }
  RecordedResource& operator[](const std::string& address) { return edit(address); }

 private:
  Map map_;
};

}  // namespace keyform
