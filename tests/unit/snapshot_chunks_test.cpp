// A snapshot between two transports in acknowledged pieces: the sender cuts
// and paces (at most a window unacknowledged, one piece per transfer per
// call), the assembler rebuilds the MSG_SNAPSHOT only from pieces in order,
// and every piece a broken or hostile peer could send is dropped without
// leaving anything staged.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "actors/replication/core/snapshot_chunks.hpp"

namespace {

namespace raft = keel::raft;
using keel::transport::chunk_fault;
using keel::transport::chunking;
using keel::transport::snapshot_assembler;
using keel::transport::snapshot_sender;

// A MSG_SNAPSHOT from n1 to `to` whose data is `data_bytes` long.
raft::Message a_snapshot(uint32_t shard, size_t data_bytes, const std::string& to = "n2",
                         char fill = 'x') {
  raft::Message m;
  m.set_type(raft::MSG_SNAPSHOT);
  m.set_shard(shard);
  m.set_from("n1");
  m.set_to(to);
  m.set_term(3);
  m.mutable_snapshot()->mutable_metadata()->set_index(40);
  m.mutable_snapshot()->mutable_metadata()->set_term(2);
  m.mutable_snapshot()->mutable_metadata()->add_voters("n1");
  m.mutable_snapshot()->mutable_metadata()->add_voters(to);
  m.mutable_snapshot()->set_data(std::string(data_bytes, fill));
  return m;
}

// A piece as a peer could forge it.
raft::Message a_chunk(uint64_t transfer, uint64_t offset, uint64_t total, std::string data,
                      uint32_t shard = 0, const std::string& from = "n1") {
  raft::Message m;
  m.set_type(raft::MSG_SNAPSHOT_CHUNK);
  m.set_shard(shard);
  m.set_from(from);
  m.set_to("n2");
  m.mutable_chunk()->set_transfer(transfer);
  m.mutable_chunk()->set_offset(offset);
  m.mutable_chunk()->set_total(total);
  m.mutable_chunk()->set_data(std::move(data));
  return m;
}

// The pieces of `m` as its sender cuts them, none acknowledged (window large).
std::vector<raft::Message> pieces_of(const raft::Message& m, size_t chunk_bytes) {
  snapshot_sender sender{{.chunk_bytes = chunk_bytes, .window = 1u << 20}};
  sender.start(m);
  std::vector<raft::Message> out;
  for (auto more = sender.next_chunks(); !more.empty(); more = sender.next_chunks())
    out.insert(out.end(), more.begin(), more.end());
  return out;
}

TEST(SnapshotChunks, ASnapshotArrivesWholeThroughPiecesAndAcknowledgements) {
  const chunking c{.chunk_bytes = 100, .window = 2};
  snapshot_sender sender{c};
  snapshot_assembler assembler;
  auto original = a_snapshot(3, 1000);
  sender.start(original);

  std::vector<raft::Message> delivered;
  size_t pieces = 0, acks = 0;
  uint64_t sent = 0, acked = 0;
  for (int round = 0; round < 100 && sender.transfers() > 0; ++round) {
    for (auto& chunk : sender.next_chunks()) {
      ++pieces;
      EXPECT_EQ(chunk.type(), raft::MSG_SNAPSHOT_CHUNK);
      EXPECT_EQ(chunk.shard(), 3u);
      EXPECT_LE(chunk.chunk().data().size(), c.chunk_bytes);
      sent = chunk.chunk().offset() + chunk.chunk().data().size();
      EXPECT_LE(sent - acked, c.chunk_bytes * c.window) << "more than the window unacknowledged";
      auto outcome = assembler.receive(chunk);
      ASSERT_FALSE(outcome.fault);
      if (outcome.snapshot)
        delivered.push_back(*outcome.snapshot);
      if (outcome.ack) {
        ++acks;
        EXPECT_EQ(outcome.ack->from(), "n2");
        EXPECT_EQ(outcome.ack->to(), "n1");
        acked = outcome.ack->chunk().offset();
        sender.acknowledged(*outcome.ack);
      }
    }
  }
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].SerializeAsString(), original.SerializeAsString());
  auto total = original.ByteSizeLong();
  EXPECT_EQ(pieces, (total + c.chunk_bytes - 1) / c.chunk_bytes);
  EXPECT_EQ(acks, pieces - 1) << "every piece but the last is acknowledged";
  EXPECT_EQ(sender.transfers(), 0u) << "the sender forgets a transfer once all of it left";
  EXPECT_EQ(assembler.bytes_staged(), 0u);
}

TEST(SnapshotChunks, TheWindowStopsTheSenderUntilAnAcknowledgementOpensIt) {
  snapshot_sender sender{{.chunk_bytes = 100, .window = 3}};
  sender.start(a_snapshot(0, 1000));
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(sender.has_chunk_to_send());
    ASSERT_EQ(sender.next_chunks().size(), 1u) << "one piece per transfer per call";
  }
  EXPECT_FALSE(sender.has_chunk_to_send());
  EXPECT_TRUE(sender.next_chunks().empty());

  raft::Message ack;
  ack.set_type(raft::MSG_SNAPSHOT_CHUNK_ACK);
  ack.set_from("n2");
  ack.set_shard(0);
  ack.mutable_chunk()->set_transfer(1);
  ack.mutable_chunk()->set_offset(100);
  EXPECT_TRUE(sender.acknowledged(ack));
  auto next = sender.next_chunks();
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].chunk().offset(), 300u);
  EXPECT_FALSE(sender.has_chunk_to_send());
}

TEST(SnapshotChunks, StaleAcknowledgementsOpenNothing) {
  snapshot_sender sender{{.chunk_bytes = 100, .window = 1}};
  sender.start(a_snapshot(0, 1000));
  ASSERT_EQ(sender.next_chunks().size(), 1u);
  raft::Message ack;
  ack.set_type(raft::MSG_SNAPSHOT_CHUNK_ACK);
  ack.set_from("n2");
  ack.set_shard(0);
  auto try_ack = [&](uint64_t transfer, uint64_t offset, const std::string& from, uint32_t shard) {
    ack.mutable_chunk()->set_transfer(transfer);
    ack.mutable_chunk()->set_offset(offset);
    ack.set_from(from);
    ack.set_shard(shard);
    return sender.acknowledged(ack);
  };
  EXPECT_FALSE(try_ack(2, 100, "n2", 0)) << "another transfer";
  EXPECT_FALSE(try_ack(1, 200, "n2", 0)) << "past what was sent";
  EXPECT_FALSE(try_ack(1, 0, "n2", 0)) << "nothing new";
  EXPECT_FALSE(try_ack(1, 100, "n3", 0)) << "another peer";
  EXPECT_FALSE(try_ack(1, 100, "n2", 1)) << "another shard";
  EXPECT_FALSE(sender.has_chunk_to_send());
  EXPECT_TRUE(try_ack(1, 100, "n2", 0));
}

TEST(SnapshotChunks, TransfersOfSeveralShardsAndPeersTakeTurns) {
  snapshot_sender sender{{.chunk_bytes = 100, .window = 8}};
  sender.start(a_snapshot(0, 500));
  sender.start(a_snapshot(1, 500));
  sender.start(a_snapshot(0, 500, "n3"));
  auto first = sender.next_chunks();
  ASSERT_EQ(first.size(), 3u);
  for (auto& m : first)
    EXPECT_EQ(m.chunk().offset(), 0u);

  sender.forget("n2");
  EXPECT_EQ(sender.transfers(), 1u) << "only the transfer to n3 is left";
  auto next = sender.next_chunks();
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].to(), "n3");
}

TEST(SnapshotChunks, ANewSnapshotReplacesTheOneUnderWayAtBothEnds) {
  snapshot_sender sender{{.chunk_bytes = 100, .window = 8}};
  snapshot_assembler assembler;
  sender.start(a_snapshot(0, 1000, "n2", 'a'));
  auto old_piece = sender.next_chunks().at(0);
  ASSERT_FALSE(assembler.receive(old_piece).fault);
  auto second_old_piece = sender.next_chunks().at(0);

  auto newer = a_snapshot(0, 300, "n2", 'b');
  sender.start(newer);
  EXPECT_EQ(sender.transfers(), 1u);
  std::vector<raft::Message> delivered;
  auto new_pieces = sender.next_chunks();
  ASSERT_EQ(new_pieces.size(), 1u);
  EXPECT_EQ(new_pieces[0].chunk().offset(), 0u) << "the new one starts from its beginning";
  EXPECT_NE(new_pieces[0].chunk().transfer(), old_piece.chunk().transfer());
  for (auto more = new_pieces; !more.empty(); more = sender.next_chunks())
    for (auto& m : more)
      if (auto outcome = assembler.receive(m); outcome.snapshot)
        delivered.push_back(*outcome.snapshot);
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].SerializeAsString(), newer.SerializeAsString());

  // A late piece of the replaced one finds nothing to continue.
  EXPECT_EQ(assembler.receive(second_old_piece).fault, chunk_fault::out_of_order);
  EXPECT_EQ(assembler.bytes_staged(), 0u);
}

TEST(SnapshotChunks, ALostPieceDropsWhatWasStagedAndDeliversNothing) {
  auto pieces = pieces_of(a_snapshot(0, 1000), 100);
  ASSERT_GT(pieces.size(), 4u);
  snapshot_assembler assembler;
  ASSERT_FALSE(assembler.receive(pieces[0]).fault);
  ASSERT_FALSE(assembler.receive(pieces[1]).fault);
  EXPECT_EQ(assembler.bytes_staged(), 200u);
  EXPECT_EQ(assembler.receive(pieces[3]).fault, chunk_fault::out_of_order);
  EXPECT_EQ(assembler.bytes_staged(), 0u);
  for (size_t i = 4; i < pieces.size(); ++i) {
    auto outcome = assembler.receive(pieces[i]);
    EXPECT_EQ(outcome.fault, chunk_fault::out_of_order);
    EXPECT_FALSE(outcome.snapshot);
    EXPECT_FALSE(outcome.ack);
  }
  // A piece that comes twice is out of order the second time; a first piece
  // starts its transfer over.
  ASSERT_FALSE(assembler.receive(pieces[0]).fault);
  EXPECT_FALSE(assembler.receive(pieces[0]).fault);
  ASSERT_FALSE(assembler.receive(pieces[1]).fault);
  EXPECT_EQ(assembler.receive(pieces[1]).fault, chunk_fault::out_of_order);
}

TEST(SnapshotChunks, AnEndedConnectionDropsOnlyThatPeersStagings) {
  auto from_n1 = pieces_of(a_snapshot(0, 1000), 100);
  auto from_n3 = from_n1;
  for (auto& m : from_n3)
    m.set_from("n3");
  snapshot_assembler assembler;
  ASSERT_FALSE(assembler.receive(from_n1[0]).fault);
  ASSERT_FALSE(assembler.receive(from_n3[0]).fault);
  assembler.forget("n1");
  EXPECT_EQ(assembler.bytes_staged(), 100u);
  EXPECT_EQ(assembler.receive(from_n1[1]).fault, chunk_fault::out_of_order);
  EXPECT_FALSE(assembler.receive(from_n3[1]).fault);
}

TEST(SnapshotChunks, MalformedPiecesAreRefusedAndEndTheirSendersStaging) {
  snapshot_assembler assembler{1000};
  auto refuse = [&](raft::Message m) {
    // Something staged from the same sender and shard goes with the bad piece.
    ASSERT_FALSE(assembler.receive(a_chunk(9, 0, 500, std::string(10, 'y'))).fault);
    auto outcome = assembler.receive(m);
    EXPECT_EQ(outcome.fault, chunk_fault::malformed) << m.ShortDebugString();
    EXPECT_FALSE(outcome.ack);
    EXPECT_FALSE(outcome.snapshot);
    EXPECT_EQ(assembler.bytes_staged(), 0u);
  };
  auto without_chunk = a_chunk(1, 0, 10, "x");
  without_chunk.clear_chunk();
  refuse(without_chunk);
  refuse(a_chunk(0, 0, 10, "abc"));                   // transfer 0
  refuse(a_chunk(1, 0, 0, "abc"));                    // total 0
  refuse(a_chunk(1, 0, 1001, "abc"));                 // above the limit
  refuse(a_chunk(1, 0, 10, ""));                      // no data
  refuse(a_chunk(1, 8, 10, "abc"));                   // data past total
  refuse(a_chunk(1, 11, 10, "a"));                    // offset past total
  refuse(a_chunk(1, ~uint64_t{0}, 10, "a"));          // offset that would wrap
  refuse(a_chunk(9, 10, 500, std::string(491, 'y'))); // continues, but past total
  // Another shard's staging is another's business.
  ASSERT_FALSE(assembler.receive(a_chunk(9, 0, 500, "y", 1)).fault);
  EXPECT_EQ(assembler.receive(a_chunk(0, 0, 10, "x", 0)).fault, chunk_fault::malformed);
  EXPECT_EQ(assembler.bytes_staged(), 1u);
}

TEST(SnapshotChunks, AClaimedTotalCostsLittleBeforeItsPiecesCome) {
  snapshot_assembler assembler;
  for (uint32_t shard = 0; shard < 4; ++shard)
    ASSERT_FALSE(
      assembler.receive(a_chunk(1, 0, keel::transport::max_snapshot_message_bytes, "x", shard))
        .fault);
  EXPECT_EQ(assembler.bytes_staged(), 4u);
  EXPECT_GE(assembler.bytes_reserved(), 4u);
  EXPECT_LE(assembler.bytes_reserved(), 4 * (uint64_t{64} << 20) + 4096)
    << "four claims of 2 GiB must not reserve 8 GiB";
}

TEST(SnapshotChunks, PiecesThatDoNotMakeTheirSnapshotAreRefused) {
  snapshot_assembler assembler;
  auto refused_whole = [&](const std::string& bytes, uint32_t shard = 0) {
    auto outcome = assembler.receive(a_chunk(1, 0, bytes.size(), bytes, shard));
    EXPECT_EQ(outcome.fault, chunk_fault::snapshot_invalid);
    EXPECT_FALSE(outcome.snapshot);
    EXPECT_EQ(assembler.bytes_staged(), 0u);
  };
  refused_whole("\xff\xff\xff\xff"); // not a message at all
  auto append = a_snapshot(0, 10);
  append.set_type(raft::MSG_APPEND);
  refused_whole(append.SerializeAsString());
  refused_whole(a_snapshot(1, 10).SerializeAsString());       // another shard than the pieces'
  refused_whole(a_snapshot(0, 10, "n3").SerializeAsString()); // to another node
  auto from_n3 = a_snapshot(0, 10);
  from_n3.set_from("n3");
  refused_whole(from_n3.SerializeAsString()); // in another node's name

  auto whole = a_snapshot(0, 10).SerializeAsString();
  auto outcome = assembler.receive(a_chunk(1, 0, whole.size(), whole));
  ASSERT_TRUE(outcome.snapshot);
  EXPECT_FALSE(outcome.ack) << "the last piece needs no acknowledgement";
  EXPECT_EQ(outcome.snapshot->snapshot().data(), std::string(10, 'x'));
}

} // namespace
