// spawn_mode: how the storage-side actors of a node use threads: its storage
// actors' whole-shard work and, with [cluster] log_sync_thread, the worker
// behind the log syncer's gate (log_syncer.hpp; without it the log syncer
// runs on the scheduler). Set by the node tree: node_tree_options::
// storage_mode.
#pragma once

namespace keel::storage {

enum class spawn_mode {
  threads,   // production: what blocks long (an fsync, a whole shard's data)
             // runs on a thread of its own, off the node's scheduler
  scheduler, // all on the node's scheduler: for CAF's deterministic test
             // coordinator, and the log syncer's fsyncs by default
};

} // namespace keel::storage
