// The pieces of a snapshot between two transports (snapshot_chunks.hpp), with
// the fuzzer as a hostile member interleaving forged pieces with an honest
// sender's transfer. What must hold for any input:
// - no KEEL_ASSERT fires, no ASan/UBSan report;
// - a whole snapshot comes out only as a MSG_SNAPSHOT of the pieces' shard,
//   from their sender to this node; an acknowledgement names the piece's
//   transfer, from this node to the sender, at most the piece's total;
// - every piece accepted after a transfer's first continues exactly where the
//   last accepted piece of its staging ended, and a whole snapshot is made of
//   exactly its total;
// - what is staged never exceeds one limit per sender and shard;
// - the honest transfer (from n2, whose pieces the fuzzer can drop but not
//   forge) comes out exactly as sent if no piece of it was lost, and not at all
//   otherwise, whatever the forged pieces from n1 and n3 did meanwhile.
//
// Input format (byte_stream.hpp): the staging limit (u16), the honest
// snapshot's data (long_string), its chunk size (u8) and window (u8), then
// until the input ends: op 0 = one forged piece (read_forged), op 1 = the
// honest sender's next pieces, each dropped when its bit says so.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/stubs/logging.h>

#include "actors/replication/core/snapshot_chunks.hpp"
#include "byte_stream.hpp"
#include "seeds.hpp"

using namespace keel;
using namespace keel::fuzz;
using transport::chunk_outcome;
using transport::snapshot_assembler;
using transport::snapshot_sender;

namespace {

constexpr uint32_t shards = 3;
constexpr uint64_t senders = 3; // n1, n2, n3

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "snapshot_chunks: %s\n", what);
  std::abort();
}

raft::Message forged_piece(byte_reader& in) {
  raft::Message m;
  m.set_type(raft::MSG_SNAPSHOT_CHUNK);
  m.set_from(in.flag() ? "n3" : "n1"); // never n2: its pieces are the honest sender's
  m.set_to("n9");
  m.set_shard(in.u8() % shards);
  if (in.flag()) {
    auto* c = m.mutable_chunk();
    c->set_transfer(in.near(1));
    c->set_offset(in.near(0));
    c->set_total(in.near(64));
    c->set_data(in.flag() ? in.long_string() : in.short_string());
  }
  return m;
}

// Where each staging stands, as the pieces accepted so far say: every piece
// accepted after a transfer's first must continue exactly where the last one
// ended, and a refused piece ends its staging.
struct staging_seen {
  uint64_t transfer = 0;
  uint64_t next = 0;
  bool open = false;
};
std::map<std::pair<std::string, uint32_t>, staging_seen> seen;

void check(const raft::Message& piece, const chunk_outcome& out, const snapshot_assembler& a,
           uint64_t limit) {
  auto& s = seen[{piece.from(), piece.shard()}];
  const auto& c = piece.chunk();
  if (out.fault) {
    s.open = false;
  } else {
    if (c.offset() != 0 && (!s.open || s.transfer != c.transfer() || s.next != c.offset()))
      fail("a piece accepted that does not continue its staging");
    s = {c.transfer(), c.offset() + c.data().size(), !out.snapshot};
    if (out.snapshot && s.next != c.total())
      fail("a whole snapshot from fewer or more bytes than its total");
  }
  if (out.snapshot) {
    const auto& s = *out.snapshot;
    if (s.type() != raft::MSG_SNAPSHOT || s.shard() != piece.shard() || s.from() != piece.from()
        || s.to() != piece.to())
      fail("a whole snapshot that is not its pieces' snapshot");
    if (out.ack || out.fault)
      fail("a whole snapshot with an acknowledgement or a fault");
  }
  if (out.ack) {
    const auto& ack = *out.ack;
    if (ack.type() != raft::MSG_SNAPSHOT_CHUNK_ACK || ack.from() != piece.to()
        || ack.to() != piece.from() || ack.shard() != piece.shard()
        || ack.chunk().transfer() != piece.chunk().transfer()
        || ack.chunk().offset() >= piece.chunk().total() || !ack.chunk().data().empty())
      fail("an acknowledgement that does not answer its piece");
    if (out.fault)
      fail("an acknowledgement of a refused piece");
  }
  if (a.bytes_staged() > senders * shards * limit)
    fail("more staged than one limit per sender and shard");
}

void run(byte_reader& in) {
  seen.clear();
  uint64_t limit = uint64_t{in.u16()} + 1;
  snapshot_assembler assembler{limit};

  raft::Message honest;
  honest.set_type(raft::MSG_SNAPSHOT);
  honest.set_shard(1);
  honest.set_from("n2");
  honest.set_to("n9");
  honest.set_term(2);
  honest.mutable_snapshot()->mutable_metadata()->set_index(5);
  honest.mutable_snapshot()->set_data(in.long_string());
  size_t chunk_bytes = size_t{in.u8()} + 1;
  size_t window = size_t{in.u8()} % 8 + 1;
  snapshot_sender sender{{.chunk_bytes = chunk_bytes, .window = window}};
  sender.start(honest);
  bool lost = false, delivered = false;
  bool fits = honest.ByteSizeLong() <= limit;
  // One honest piece that got through, and what the sender hears back.
  auto hand_over = [&](const raft::Message& piece) {
    auto out = assembler.receive(piece);
    check(piece, out, assembler, limit);
    if (out.ack)
      sender.acknowledged(*out.ack);
    if (out.snapshot) {
      if (delivered || lost || !fits)
        fail("a snapshot delivered twice, past a lost piece, or above the limit");
      if (out.snapshot->SerializeAsString() != honest.SerializeAsString())
        fail("the honest snapshot changed on its way");
      delivered = true;
    }
  };

  while (!in.empty()) {
    if (in.u8() % 2 == 0) {
      auto piece = forged_piece(in);
      check(piece, assembler.receive(piece), assembler, limit);
      continue;
    }
    auto drops = in.u8();
    int i = 0;
    for (auto& piece : sender.next_chunks()) {
      if ((drops >> (i++ % 8)) & 1) {
        lost = true;
        continue;
      }
      hand_over(piece);
    }
  }
  // Drain without loss: the snapshot arrives unless a piece was lost (or it
  // is above the limit).
  for (auto pieces = sender.next_chunks(); !pieces.empty(); pieces = sender.next_chunks())
    for (auto& piece : pieces)
      hand_over(piece);
  if (sender.transfers() > 0 && !lost && fits)
    fail("the honest sender stalled with nothing lost");
  if (!lost && fits && !delivered)
    fail("the honest snapshot never arrived, with nothing lost");
}

seed_list make_seeds() {
  seed_list seeds;
  byte_writer plain;
  plain.u16(4096).long_string(std::string(300, 'd')).u8(63).u8(1);
  seeds.emplace_back("honest-only", plain.str());
  byte_writer mixed;
  mixed.u16(4096).long_string(std::string(300, 'd')).u8(31).u8(2);
  mixed.u8(1).u8(0); // honest pieces
  mixed.u8(0).u8(0).u8(1).flag(true).small(1).small(0).small(40).flag(false).short_string("xx");
  mixed.u8(0).u8(1).u8(1).flag(true).small(1).small(2).small(40).flag(false).short_string("yy");
  mixed.u8(1).u8(0b10); // one honest piece lost
  seeds.emplace_back("forged-and-lost", mixed.str());
  return seeds;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  write_seeds_if_asked(make_seeds);
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  byte_reader in{data, size};
  run(in);
  return 0;
}
