// The Raft safety properties (paper Figure 3), checked while a simulation
// runs: Election Safety, Log Matching, Leader Completeness, State Machine
// Safety, plus linearizability of ReadIndex reads (thesis §6.4). The
// simulation reports what it observes; the first violation is kept.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "actors/replication/core/log_storage.hpp"
#include "actors/replication/core/node.hpp"

namespace keel::sim {

/// Watches every replica of one group for safety violations.
class safety_checker {
public:
  /// Election Safety: called after node `id` changed state. Remembers which
  /// node led each term, and checks a new leader's log (Leader Completeness).
  void on_state(const std::string& id, const raft::node& n);

  /// Node `id` crashed: it leads nothing any more.
  void on_crash(const std::string& id);

  /// Log Matching (§5.3): `ents` were persisted by node `id` into `storage`.
  /// Two entries with the same index and term must carry the same command
  /// and follow an entry of the same term.
  void on_persist(const std::string& id, const std::vector<raft::Entry>& ents,
                  const raft::log_storage& storage);

  /// State Machine Safety: node `id`, then at term `term`, applied the
  /// committed entry e. Every node applies the same entry at each index,
  /// and every later leader holds it (Leader Completeness, §5.4).
  void on_apply(const std::string& id, const raft::Entry& e, uint64_t term);

  /// Node `id` restored its state machine from a snapshot at `index`
  /// holding `commands`: they must be the committed commands up to `index`.
  void on_restore(const std::string& id, uint64_t index, const std::vector<std::string>& commands);

  /// A client started the read `context`.
  void on_read_started(const std::string& context);

  /// Node `id`, having applied up to `applied`, served the read `context`
  /// at `index`: it must reflect every write applied anywhere before the read began.
  void on_read_served(const std::string& id, const std::string& context, uint64_t index,
                      uint64_t applied);

  /// How many (node, term) leaderships were seen.
  uint64_t leaderships() const { return leaderships_checked_.size(); }

  /// The highest index any node applied.
  uint64_t committed_count() const { return committed_.size(); }

  /// The data of the committed normal entries, in index order.
  std::vector<std::string> committed_commands() const;

  /// The first violation seen, if any.
  const std::optional<std::string>& violation() const { return violation_; }

private:
  struct seen_entry {
    raft::EntryType type;
    std::string data;
    std::optional<uint64_t> prev_term; // unknown when the previous entry was compacted
  };
  struct committed_entry {
    uint64_t term;
    raft::EntryType type;
    std::string data;
    uint64_t term_bound; // the reporter's term: every leader of a later term holds the entry
  };

  void fail(std::string what);
  void check_leader_holds(const std::string& id, const raft::node& n, uint64_t index);

  std::map<uint64_t, std::string> leader_of_term_;
  std::map<std::string, const raft::node*> leaders_; // current leaders, by id
  std::set<std::pair<std::string, uint64_t>> leaderships_checked_;
  std::map<std::pair<uint64_t, uint64_t>, seen_entry> entries_; // by (index, term)
  std::vector<committed_entry> committed_;                      // committed_[i - 1] is index i
  std::map<std::string, uint64_t> read_floor_; // context -> highest index applied when it began
  std::optional<std::string> violation_;
};

} // namespace keel::sim
