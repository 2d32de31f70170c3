// A snapshot on the wire in acknowledged pieces, between two transports.
//
// A MSG_SNAPSHOT carries a whole shard: tens of megabytes. Sent as one
// message, it is one frame that CAF's multiplexer must copy into one buffer on
// each side, on the thread that also carries every heartbeat and append of
// every shard; the heartbeats wait behind it, and the buffers are allocated
// and faulted in afresh each time (docs/benchmarks.md section 35). So the
// sending transport cuts the serialized message into chunks
// (MSG_SNAPSHOT_CHUNK) of a bounded size and keeps at most a window of them
// unacknowledged; the receiving transport stages them in order, answers each
// but the last with MSG_SNAPSHOT_CHUNK_ACK, and hands its replica the whole MSG_SNAPSHOT
// once the last one is in. Raft does not see the pieces: its core and
// raft::check_inbound see the same message as before, and a lost piece is a
// lost snapshot, which the leader's core already resends (a closed connection
// at once, a silent loss after its snapshot timeout).
//
// Pure: no CAF, no clock. The transport actor owns one of each.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "messages/raft.pb.h"

namespace keel::transport {

/// How a snapshot is cut and paced.
struct chunking {
  std::size_t chunk_bytes = std::size_t{1} << 20; // the data of one MSG_SNAPSHOT_CHUNK (>= 1)
  std::size_t window = 4; // chunks of one snapshot sent and not yet acknowledged (>= 1)
};

/// The largest snapshot a receiver stages: protobuf parses no message beyond
/// 2 GiB, so nothing larger could be delivered anyway.
inline constexpr uint64_t max_snapshot_message_bytes = (uint64_t{1} << 31) - 1;

/// The sending side: one transfer per destination and shard. A new snapshot
/// for the same destination and shard replaces the one under way (the core
/// sends a new one only when it gave up on the last).
class snapshot_sender {
public:
  // REQUIRES: c.chunk_bytes >= 1 and c.window >= 1.
  explicit snapshot_sender(chunking c);

  /// Takes over `snapshot` (a MSG_SNAPSHOT with `to` and `shard` set).
  void start(const raft::Message& snapshot);

  /// The chunks that may leave now: at most one per transfer whose window has
  /// room, each a MSG_SNAPSHOT_CHUNK from `snapshot.from()`. A transfer whose
  /// last chunk is handed out is done and forgotten (its acknowledgement is
  /// not needed: a lost end is the core's to notice).
  std::vector<raft::Message> next_chunks();

  /// An acknowledgement from `ack.from()`. Returns true when it opened a
  /// window (call next_chunks). A stale one (another transfer, or an offset
  /// outside what was sent) changes nothing.
  bool acknowledged(const raft::Message& ack);

  /// The connection to `peer` closed: what was under way to it is lost.
  void forget(const std::string& peer);

  /// Whether some transfer has a chunk it may send now.
  bool has_chunk_to_send() const;
  std::size_t transfers() const { return transfers_.size(); }

private:
  struct transfer {
    uint64_t id = 0;
    std::string from;
    std::string bytes;  // the serialized MSG_SNAPSHOT
    uint64_t sent = 0;  // bytes handed out
    uint64_t acked = 0; // bytes the receiver acknowledged
  };
  bool has_room(const transfer& t) const;

  chunking c_;
  uint64_t next_id_ = 1;
  std::map<std::pair<std::string, uint32_t>, transfer> transfers_; // by (to, shard)
};

/// Why a chunk was dropped by the receiving side.
enum class chunk_fault {
  malformed,        ///< no chunk, transfer 0, total 0 or above the limit, no data, or data
                    ///< past total
  out_of_order,     ///< not the next piece of the transfer staged (a piece was lost before it,
                    ///< or it belongs to a transfer that was replaced): the staging is dropped
  snapshot_invalid, ///< all pieces in, but they are not a MSG_SNAPSHOT of the chunk's shard,
                    ///< from its sender to this node
};

/// A short stable name for `f`, e.g. "snapshot_chunk_out_of_order", for logs and counters.
std::string_view to_string(chunk_fault f);

/// What one chunk did at the receiving side.
struct chunk_outcome {
  std::optional<raft::Message> ack;      ///< to send back to the chunk's sender
  std::optional<raft::Message> snapshot; ///< the whole MSG_SNAPSHOT, once the last piece is in
  std::optional<chunk_fault> fault;      ///< why the chunk was dropped
};

/// The receiving side: at most one staged snapshot per sender and shard, built
/// only from pieces in order, never more than `max_total` bytes.
class snapshot_assembler {
public:
  // REQUIRES: max_total >= 1.
  explicit snapshot_assembler(uint64_t max_total = max_snapshot_message_bytes);

  /// Takes one MSG_SNAPSHOT_CHUNK whose sender, destination and shard the
  /// caller has checked (raft::check_inbound says transport_only).
  chunk_outcome receive(const raft::Message& chunk);

  /// The connection to `peer` closed: its pieces will not be continued.
  void forget(const std::string& peer);

  /// Bytes received into stagings so far.
  uint64_t bytes_staged() const;

  /// Bytes the stagings hold room for: what their claimed totals cost before
  /// the pieces came (at most 64 MiB each up front).
  uint64_t bytes_reserved() const;

private:
  struct staging {
    uint64_t transfer = 0;
    uint64_t total = 0;
    std::string bytes;
  };

  uint64_t max_total_;
  std::map<std::pair<std::string, uint32_t>, staging> staged_; // by (from, shard)
};

} // namespace keel::transport
