// spawn_mode: how the storage-side actors of a node (its storage actors and
// its log syncer) use threads. Set by the node tree: node_tree_options::
// storage_mode for both, except that the log syncer runs on the scheduler
// unless the cluster.conf asks for a thread of its own ([cluster]
// log_sync_thread).
#pragma once

namespace keel::storage {

enum class spawn_mode {
  threads,   // production: what blocks long (an fsync, a whole shard's data)
             // runs on a thread of its own, off the node's scheduler
  scheduler, // all on the node's scheduler: for CAF's deterministic test
             // coordinator, and the log syncer's fsyncs by default
};

} // namespace keel::storage
