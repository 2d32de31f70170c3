#include "actors/replication/core/snapshot_chunks.hpp"

#include <algorithm>

#include "actors/base/core/errors.hpp"

namespace keel::transport {

// -- sending ------------------------------------------------------------------

snapshot_sender::snapshot_sender(chunking c)
  : c_(c) {
  KEEL_ASSERT(c_.chunk_bytes >= 1 && c_.window >= 1, "a chunk or a window of 0 sends nothing");
}

void snapshot_sender::start(const raft::Message& snapshot) {
  auto& t = transfers_[{snapshot.to(), snapshot.shard()}];
  t = transfer{};
  t.id = next_id_++;
  t.from = snapshot.from();
  t.bytes = snapshot.SerializeAsString();
}

bool snapshot_sender::has_room(const transfer& t) const {
  return t.sent < t.bytes.size() && t.sent - t.acked < c_.window * c_.chunk_bytes;
}

bool snapshot_sender::has_chunk_to_send() const {
  return std::any_of(transfers_.begin(), transfers_.end(),
                     [this](const auto& kv) { return has_room(kv.second); });
}

std::vector<raft::Message> snapshot_sender::next_chunks() {
  std::vector<raft::Message> out;
  for (auto it = transfers_.begin(); it != transfers_.end();) {
    auto& [key, t] = *it;
    if (!has_room(t)) {
      ++it;
      continue;
    }
    auto len = std::min<uint64_t>(c_.chunk_bytes, t.bytes.size() - t.sent);
    raft::Message m;
    m.set_type(raft::MSG_SNAPSHOT_CHUNK);
    m.set_shard(key.second);
    m.set_from(t.from);
    m.set_to(key.first);
    auto* chunk = m.mutable_chunk();
    chunk->set_transfer(t.id);
    chunk->set_offset(t.sent);
    chunk->set_total(t.bytes.size());
    chunk->set_data(t.bytes.substr(t.sent, len));
    t.sent += len;
    out.push_back(std::move(m));
    if (t.sent == t.bytes.size())
      it = transfers_.erase(it);
    else
      ++it;
  }
  return out;
}

bool snapshot_sender::acknowledged(const raft::Message& ack) {
  auto it = transfers_.find({ack.from(), ack.shard()});
  if (it == transfers_.end())
    return false;
  auto& t = it->second;
  auto offset = ack.chunk().offset();
  if (ack.chunk().transfer() != t.id || offset <= t.acked || offset > t.sent)
    return false;
  bool had_room = has_room(t);
  t.acked = offset;
  return !had_room && has_room(t);
}

void snapshot_sender::forget(const std::string& peer) {
  std::erase_if(transfers_, [&](const auto& kv) { return kv.first.first == peer; });
}

// -- receiving ----------------------------------------------------------------

std::string_view to_string(chunk_fault f) {
  switch (f) {
    case chunk_fault::malformed: return "snapshot_chunk_malformed";
    case chunk_fault::out_of_order: return "snapshot_chunk_out_of_order";
    case chunk_fault::snapshot_invalid: return "snapshot_chunk_invalid_snapshot";
  }
  return "snapshot_chunk_unknown_fault";
}

snapshot_assembler::snapshot_assembler(uint64_t max_total)
  : max_total_(max_total) {
  KEEL_ASSERT(max_total_ >= 1, "a limit of 0 stages nothing");
}

namespace {

constexpr uint64_t reserved_up_front = uint64_t{64} << 20;

bool well_formed(const raft::Message& m, uint64_t max_total) {
  if (!m.has_chunk())
    return false;
  const auto& c = m.chunk();
  return c.transfer() != 0 && c.total() != 0 && c.total() <= max_total && !c.data().empty()
         && c.offset() <= c.total() && c.data().size() <= c.total() - c.offset();
}

// The whole message must be what the pieces claimed: a snapshot of the same
// shard between the same two nodes. Its Raft fields are check_inbound's.
bool matches(const raft::Message& snapshot, const raft::Message& chunk) {
  return snapshot.type() == raft::MSG_SNAPSHOT && snapshot.shard() == chunk.shard()
         && snapshot.from() == chunk.from() && snapshot.to() == chunk.to();
}

} // namespace

chunk_outcome snapshot_assembler::receive(const raft::Message& chunk) {
  chunk_outcome out;
  auto key = std::make_pair(chunk.from(), chunk.shard());
  if (!well_formed(chunk, max_total_)) {
    staged_.erase(key); // a sender that breaks the protocol finishes nothing it began
    out.fault = chunk_fault::malformed;
    return out;
  }
  const auto& c = chunk.chunk();
  if (c.offset() == 0) {
    // A transfer's first piece; whatever was staged from this sender for
    // this shard was replaced, or lost a piece on the way.
    auto& s = staged_[key];
    s = staging{c.transfer(), c.total(), {}};
    // Room for the whole up to a point: a total is only a claim, and a
    // claim of 2 GiB per shard must not cost 2 GiB per shard before a byte
    // of it came. Beyond that point the staging grows as the pieces come.
    s.bytes.reserve(std::min<uint64_t>(c.total(), reserved_up_front));
  } else {
    auto it = staged_.find(key);
    if (it == staged_.end() || it->second.transfer != c.transfer() || it->second.total != c.total()
        || it->second.bytes.size() != c.offset()) {
      if (it != staged_.end())
        staged_.erase(it);
      out.fault = chunk_fault::out_of_order;
      return out;
    }
  }
  auto& s = staged_[key];
  s.bytes.append(c.data());
  if (s.bytes.size() < s.total) {
    raft::Message ack;
    ack.set_type(raft::MSG_SNAPSHOT_CHUNK_ACK);
    ack.set_shard(chunk.shard());
    ack.set_from(chunk.to());
    ack.set_to(chunk.from());
    ack.mutable_chunk()->set_transfer(c.transfer());
    ack.mutable_chunk()->set_offset(s.bytes.size());
    out.ack = std::move(ack);
    return out;
  }
  raft::Message snapshot;
  bool parsed = snapshot.ParseFromString(s.bytes);
  staged_.erase(key);
  if (!parsed || !matches(snapshot, chunk)) {
    out.fault = chunk_fault::snapshot_invalid;
    return out;
  }
  out.snapshot = std::move(snapshot);
  return out;
}

void snapshot_assembler::forget(const std::string& peer) {
  std::erase_if(staged_, [&](const auto& kv) { return kv.first.first == peer; });
}

uint64_t snapshot_assembler::bytes_staged() const {
  uint64_t n = 0;
  for (auto& [key, s] : staged_)
    n += s.bytes.size();
  return n;
}

uint64_t snapshot_assembler::bytes_reserved() const {
  uint64_t n = 0;
  for (auto& [key, s] : staged_)
    n += s.bytes.capacity();
  return n;
}

} // namespace keel::transport
