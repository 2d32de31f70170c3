// unsafe_switches: TEST ONLY. Four ways to break Keel's safety on purpose, so
// that keel-jepsen can prove it catches a broken build (issue 9, part 5): a
// checker that has never failed proves nothing.
//
// Only keel-node-unsafe (built with the tests, never installed) turns them on,
// from the KEEL_UNSAFE environment variable; the keel-node users run refuses
// to start when KEEL_UNSAFE is set. No cluster.conf setting, flag or message
// reaches them. Pure.
#pragma once

#include <string>
#include <string_view>

#include "actors/base/core/errors.hpp"

namespace keel {

struct unsafe_switches {
  /// ack-before-commit: the client service answers a put OK as soon as it is
  /// handed to the shard's replica, before a majority has it (or anyone
  /// applied it).
  bool ack_before_commit = false;
  /// skip-fsync: the node's RocksDB writes bypass its write-ahead log, so a
  /// kill -9 loses whatever was not yet flushed to a table file: what a power
  /// cut does to writes that were never synced (a process kill alone cannot
  /// lose the page cache, so skipping only the fsync would go unnoticed).
  bool skip_fsync = false;
  /// read-without-read-index: every replica, leader or not, answers
  /// linearizable gets from what it has applied, with no ReadIndex round (no
  /// majority confirms that a leader still leads, no follower defers to one).
  bool read_without_read_index = false;
  /// apply-retries-twice: the state machine applies a retried write again
  /// instead of answering it from the client's session (thesis §6.3).
  bool apply_retries_twice = false;

  bool any() const {
    return ack_before_commit || skip_fsync || read_without_read_index || apply_retries_twice;
  }
};

/// "ack-before-commit,skip-fsync" and so on: the names of the switches that
/// are on, comma-separated; "none" when none is.
std::string to_string(const unsafe_switches& s);

/// Parses a comma-separated list of switch names (as to_string writes them);
/// the error names the bad word and lists the valid ones.
result<unsafe_switches, std::string> parse_unsafe_switches(std::string_view text);

} // namespace keel
