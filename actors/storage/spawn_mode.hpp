// spawn_mode: how the storage-side actors of a node (its storage actors and
// its log syncer) use threads. One switch for both, set by the node tree
// (node_tree_options::storage_mode).
#pragma once

namespace keel::storage {

enum class spawn_mode {
  threads,       // production: what blocks long (an fsync, a whole shard's data)
                 // runs on a thread of its own, off the node's scheduler
  deterministic, // all on the scheduler: for CAF's deterministic test coordinator
};

} // namespace keel::storage
