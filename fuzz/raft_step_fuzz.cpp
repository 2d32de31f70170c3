// raft::node driven by arbitrary operation sequences, the way a replica shell
// drives it, with the fuzzer playing the two other voters of a 3-voter group.
// Every inbound message first goes through keel::raft::check_inbound (the
// network boundary's structural checks, message_check.hpp), then step().
//
// What must hold for any input:
// - no KEEL_ASSERT fires (they abort), no ASan/UBSan report;
// - every call the node refuses is refused for a documented reason;
// - every message the node sends passes check_inbound at its receiver
//   (message_check.hpp promises that of every correct node);
// - term and commit never go back, applied <= commit, and committed entries
//   are handed out contiguously (after the last one, or after a snapshot);
// - the storage accepts every ready as ready.hpp prescribes.
//
// Input format (byte_stream.hpp): a prologue (node options, optional durable
// state to restart from), then operations until the input ends; see run().
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <google/protobuf/stubs/logging.h>

#include "actors/replication/core/memory_storage.hpp"
#include "actors/replication/core/message_check.hpp"
#include "actors/replication/core/node.hpp"
#include "byte_stream.hpp"
#include "seeds.hpp"

using namespace keel;
using namespace keel::fuzz;
using namespace keel::raft;

namespace {

const std::vector<std::string> voters{"n1", "n2", "n3"};
const std::string self = "n1";

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "raft_step: %s\n", what.c_str());
  std::abort();
}

enum op : uint8_t {
  op_tick,       // u8: 1 + n % 16 ticks
  op_step,       // a message built field by field (read_message)
  op_step_raw,   // u16-prefixed protobuf bytes of a Message, as from the wire
  op_ready,      // take a ready and persist it (advancing a held one first)
  op_advance,    // apply the held ready and advance()
  op_propose,    // short_string data
  op_read_index, // a fresh context
  op_campaign,
  op_transfer,           // u8: peer
  op_report_unreachable, // u8: peer
  op_report_snapshot,    // u8: peer, flag: delivered
  op_compact,            // u8: how far behind the applied index to compact
  op_answer,             // u8: peer | (reject << 1): that peer answers, correctly,
                         // every message the node sent it since its last answer
  op_peer_unreachable,   // u8: peer (the transport's hint that its connection closed)
  op_count
};

/// n2 or n3: the other voters, whose roles the fuzzer plays.
const std::string& peer(uint8_t b) { return voters[1 + (b & 1)]; }

/// Reads a message that claims to come from the connection's peer. Most
/// fields are relative to the node's state (byte_reader::near), so that
/// plausible messages are cheap to find and implausible ones still possible.
Message read_message(byte_reader& in, const status& st, uint64_t last_term,
                     std::string& connection) {
  Message m;
  m.set_type(static_cast<MessageType>(in.u8() % 12));
  uint8_t who = in.u8();
  connection = peer(who);
  switch ((who >> 1) & 7) {
    case 6: m.set_from(peer(who + 1)); break; // claims to be the other peer
    case 7: m.set_from((who & 0x10) ? self : "x"); break;
    default: m.set_from(connection);
  }
  uint8_t where = in.u8();
  m.set_to((where & 7) == 7 ? "n2" : self);
  m.set_shard((where & 0x38) == 0x38 ? 1 : 0);
  m.set_term(in.near(st.term));
  m.set_log_term(in.near(last_term));
  m.set_index(in.near(st.last_index));
  m.set_commit(in.near(st.commit));
  uint8_t n_entries = in.u8() % 5;
  for (uint8_t i = 0; i < n_entries; ++i) {
    auto* e = m.add_entries();
    e->set_index(in.flag() ? in.near(m.index() + 1 + i) : m.index() + 1 + i);
    e->set_term(in.near(m.term()));
    e->set_type(static_cast<EntryType>(in.u8() % 3));
    e->set_data(in.short_string());
  }
  uint8_t bits = in.u8();
  m.set_reject(bits & 1);
  if (bits & 2) {
    m.set_reject_hint(in.near(st.last_index));
    m.set_reject_term(in.near(last_term));
  }
  if (bits & 4) {
    auto* md = m.mutable_snapshot()->mutable_metadata();
    md->set_index(in.near(st.commit));
    md->set_term(in.near(m.term()));
    uint8_t mask = in.u8();
    for (size_t v = 0; v < voters.size(); ++v)
      if ((mask & (1 << v)) == 0) // all three by default
        md->add_voters(voters[v]);
    if (mask & 8)
      md->add_voters("x");
    m.mutable_snapshot()->set_data(in.short_string());
  }
  if (bits & 8)
    m.set_context(in.short_string());
  return m;
}

/// The answer a correct peer gives to message m (or nothing).
std::optional<Message> answer(const Message& m, bool reject) {
  Message r;
  r.set_shard(m.shard());
  r.set_from(m.to());
  r.set_to(m.from());
  r.set_term(m.term());
  switch (m.type()) {
    case MSG_PRE_VOTE:
    case MSG_VOTE:
      r.set_type(m.type() == MSG_PRE_VOTE ? MSG_PRE_VOTE_RESP : MSG_VOTE_RESP);
      r.set_reject(reject);
      return r;
    case MSG_APPEND:
      r.set_type(MSG_APPEND_RESP);
      if (reject) {
        r.set_reject(true);
        r.set_index(m.index());
        r.set_reject_hint(m.index() > 0 ? m.index() - 1 : 0);
      } else {
        r.set_index(m.entries_size() > 0 ? m.entries(m.entries_size() - 1).index() : m.index());
      }
      return r;
    case MSG_SNAPSHOT:
      r.set_type(MSG_APPEND_RESP);
      r.set_index(m.snapshot().metadata().index());
      return r;
    case MSG_HEARTBEAT:
      r.set_type(MSG_HEARTBEAT_RESP);
      r.set_context(m.context());
      return r;
    default: return std::nullopt; // responses and MSG_TIMEOUT_NOW need no answer
  }
}

/// A call into the node may be refused, but only for a reason its header
/// documents: any other errc (say compacted, from the node's own storage) is a
/// finding.
template <class Result>
void expect_refusal(const Result& r, const char* call, std::initializer_list<errc> allowed) {
  if (r.ok())
    return;
  for (auto code : allowed)
    if (r.code() == code)
      return;
  fail(std::string{call} + " refused with an undocumented error: " + to_string(r.code()));
}

/// step(), or, for a snapshot whose data the shell cannot use, refuse_snapshot()
/// (where the core has it). This harness's stand-in for "data that does not
/// parse" is data starting with '!'.
template <class Node>
void step_or_refuse(Node& n, const Message& m) {
  if constexpr (requires { n.refuse_snapshot(m); }) {
    if (m.type() == MSG_SNAPSHOT && m.snapshot().data().starts_with('!')) {
      expect_refusal(n.refuse_snapshot(m), "refuse_snapshot", {errc::invalid_message});
      return;
    }
  }
  expect_refusal(n.step(m), "step", {errc::invalid_message});
}

/// The shell: a node, its storage, a held ready and what was sent.
class harness {
public:
  harness(byte_reader& in) {
    uint8_t opts = in.u8();
    cfg_.id = self;
    cfg_.voters = voters;
    cfg_.pre_vote = (opts & 1) == 0;
    cfg_.check_quorum = (opts & 2) == 0;
    cfg_.max_inflight_appends = 1 + ((opts >> 2) & 7);
    cfg_.max_entries_per_append = (opts & 0x20) ? 2 : 256;
    cfg_.seed = in.u8();
    if (opts & 0x40)
      restore_durable_state(in);
    cfg_.storage = &storage_;
    node_ = std::make_unique<node>(cfg_);
    auto st = node_->status();
    last_term_ = st.term;
    last_commit_ = st.commit;
    last_applied_ = st.applied;
    applied_index_ = st.applied;
  }

  void run(byte_reader& in) {
    for (int ops = 0; ops < 4000 && !in.empty(); ++ops) {
      switch (in.u8() % op_count) {
        case op_tick:
          for (int n = 1 + in.u8() % 16; n > 0; --n)
            node_->tick();
          break;
        case op_step: {
          std::string connection;
          auto m = read_message(in, node_->status(), last_log_term(), connection);
          deliver(m, connection);
          break;
        }
        case op_step_raw: {
          Message m;
          std::string connection = peer(in.u8());
          if (m.ParseFromString(in.long_string()))
            deliver(m, connection);
          break;
        }
        case op_ready:
          finish_held();
          take_ready();
          break;
        case op_advance: finish_held(); break;
        case op_propose:
          expect_refusal(node_->propose(in.short_string()), "propose",
                         {errc::not_leader, errc::proposal_dropped, errc::uncommitted_limit});
          break;
        case op_read_index:
          expect_refusal(node_->read_index(self + "/" + std::to_string(++reads_)), "read_index",
                         {errc::not_leader});
          break;
        case op_campaign: node_->campaign(); break;
        case op_transfer:
          expect_refusal(node_->transfer_leadership(peer(in.u8())), "transfer_leadership",
                         {errc::not_leader, errc::unknown_peer});
          break;
        case op_report_unreachable: node_->report_unreachable(peer(in.u8())); break;
        case op_peer_unreachable: node_->peer_unreachable(peer(in.u8())); break;
        case op_report_snapshot: {
          const auto& p = peer(in.u8());
          node_->report_snapshot(p, in.flag());
          break;
        }
        case op_compact: compact(in.u8()); break;
        case op_answer: {
          uint8_t b = in.u8();
          answer_all(peer(b), (b & 2) != 0);
          break;
        }
      }
      check_progress();
    }
    // The shell finishes what it holds and drains the node, as at shutdown.
    finish_held();
    for (int i = 0; i < 64 && node_->has_ready(); ++i) {
      take_ready();
      finish_held();
    }
    check_progress();
  }

private:
  /// Restart (§5.1): a log with nondecreasing terms and a hard state consistent with it.
  void restore_durable_state(byte_reader& in) {
    std::vector<Entry> ents;
    uint64_t term = 0;
    for (uint64_t i = 1, n = in.u8() % 8; i <= n; ++i) {
      term += in.u8() % 3;
      if (term == 0)
        term = 1;
      Entry e;
      e.set_index(i);
      e.set_term(term);
      e.set_type(ENTRY_NORMAL);
      ents.push_back(e);
    }
    storage_.append(ents);
    HardState hs;
    hs.set_term(term + in.u8() % 3);
    uint8_t vote = in.u8() % 4;
    if (vote < 3 && hs.term() > 0)
      hs.set_vote(voters[vote]);
    hs.set_commit(ents.empty() ? 0 : in.u8() % (ents.size() + 1));
    storage_.set_hard_state(hs);
  }

  uint64_t last_log_term() const {
    auto t = storage_.term(storage_.last_index());
    return t.ok() ? t.value() : 0;
  }

  void deliver(const Message& m, const std::string& connection) {
    inbound_context ctx{self, connection, [](uint32_t shard) { return shard == 0; }};
    if (check_inbound(m, ctx))
      return; // refused at the boundary, as the transport does
    step_or_refuse(*node_, m);
  }

  void take_ready() {
    if (held_ || !node_->has_ready())
      return;
    held_ = node_->ready();
    auto& rd = *held_;
    // 0. a leader's appends and heartbeats leave before its disk write
    send(rd.leader_messages);
    // 1. persist
    if (rd.snapshot) {
      if (!storage_.apply_snapshot(*rd.snapshot).ok())
        fail("the ready's snapshot is older than the stored one");
    }
    storage_.append(rd.entries);
    if (rd.hard_state)
      storage_.set_hard_state(*rd.hard_state);
    // 2. send
    send(rd.messages);
  }

  // Every message sent must pass its receiver's boundary checks.
  void send(const std::vector<Message>& messages) {
    for (const auto& m : messages) {
      inbound_context ctx{m.to(), m.from(), [](uint32_t shard) { return shard == 0; }};
      if (auto fault = check_inbound(m, ctx))
        fail("the node sent a message its receiver refuses (" + std::string{to_string(*fault)}
             + "): " + m.ShortDebugString());
      sent_.push_back(m);
      if (sent_.size() > 64)
        sent_.pop_front();
    }
  }

  void finish_held() {
    if (!held_)
      return;
    auto rd = std::move(*held_);
    held_.reset();
    // 3. apply
    if (rd.snapshot)
      applied_index_ = rd.snapshot->metadata().index();
    for (const auto& e : rd.committed_entries) {
      if (e.index() != applied_index_ + 1)
        fail("committed entry " + std::to_string(e.index()) + " handed out after "
             + std::to_string(applied_index_));
      applied_index_ = e.index();
    }
    // 5. advance
    node_->advance(rd);
  }

  /// The storage owner's log compaction (§7): snapshot at the applied index,
  /// then drop entries up to `behind` before it.
  void compact(uint8_t behind) {
    if (held_)
      return;
    uint64_t applied = node_->status().applied;
    auto snap = storage_.snapshot();
    uint64_t snap_index = snap.ok() ? snap.value().metadata().index() : 0;
    if (applied > snap_index && applied <= storage_.last_index()) {
      if (!storage_.create_snapshot(applied, voters, "state@" + std::to_string(applied)).ok())
        fail("create_snapshot refused the applied index");
      snap_index = applied;
    }
    uint64_t first = storage_.first_index();
    if (snap_index < first)
      return; // nothing to compact
    uint64_t to = snap_index - behind % (snap_index - first + 1);
    if (to >= first && !storage_.compact(to).ok())
      fail("compact refused an index within the snapshot");
  }

  void answer_all(const std::string& p, bool reject) {
    std::deque<Message> keep;
    std::vector<Message> replies;
    for (auto& m : sent_) {
      if (m.to() != p) {
        keep.push_back(std::move(m));
        continue;
      }
      if (auto r = answer(m, reject))
        replies.push_back(std::move(*r));
    }
    sent_ = std::move(keep);
    for (const auto& r : replies)
      deliver(r, p);
  }

  void check_progress() {
    auto st = node_->status();
    if (st.term < last_term_)
      fail("term went back from " + std::to_string(last_term_) + " to " + std::to_string(st.term));
    if (st.commit < last_commit_)
      fail("commit went back from " + std::to_string(last_commit_) + " to "
           + std::to_string(st.commit));
    if (st.applied > st.commit)
      fail("applied " + std::to_string(st.applied) + " beyond commit " + std::to_string(st.commit));
    last_term_ = st.term;
    last_commit_ = st.commit;
    last_applied_ = st.applied;
  }

  config cfg_;
  memory_storage storage_;
  std::unique_ptr<node> node_;
  std::optional<ready> held_;
  std::deque<Message> sent_; // not yet answered, oldest first
  uint64_t reads_ = 0;
  uint64_t last_term_ = 0;
  uint64_t last_commit_ = 0;
  uint64_t last_applied_ = 0;
  uint64_t applied_index_ = 0; // what the "state machine" reflects
};

// -- seeds ---------------------------------------------------------------------

/// A follower's view of leader n2's append at term 1, field by field as read_message reads it.
void write_append(byte_writer& w, uint64_t prev_index, uint64_t prev_term, int n, uint64_t commit) {
  w.u8(op_step).u8(MSG_APPEND).u8(0 /* n2, from = connection */).u8(0 /* n1, shard 0 */);
  w.small(1)
    .small(static_cast<uint8_t>(prev_term))
    .small(static_cast<uint8_t>(prev_index))
    .small(static_cast<uint8_t>(commit));
  w.u8(static_cast<uint8_t>(n));
  for (int i = 0; i < n; ++i)
    w.flag(false).small(1).u8(ENTRY_NORMAL).short_string("cmd" + std::to_string(i));
  w.u8(0); // no reject, snapshot or context
}

/// Leader n2's snapshot at term 1 up to `index`, field by field as read_message reads it.
void write_snapshot(byte_writer& w, uint8_t index, const std::string& data) {
  w.u8(op_step).u8(MSG_SNAPSHOT).u8(0 /* n2, from = connection */).u8(0 /* n1, shard 0 */);
  w.small(1).small(0).small(0).small(0).u8(0); // term 1, no entries
  w.u8(4).small(index).small(1).u8(0).short_string(data);
}

void write_cycle(byte_writer& w, int rounds) {
  for (int i = 0; i < rounds; ++i)
    w.u8(op_ready).u8(op_advance).u8(op_answer).u8(0).u8(op_answer).u8(1);
}

seed_list make_seeds() {
  seed_list seeds;
  { // elected after an election timeout (pre-vote, vote), then replicates and reads
    byte_writer w;
    w.u8(0).u8(1); // defaults, seed 1
    w.u8(op_tick).u8(15).u8(op_tick).u8(15);
    write_cycle(w, 4);
    w.u8(op_propose).short_string("put k v").u8(op_read_index);
    write_cycle(w, 4);
    w.u8(op_compact).u8(0).u8(op_transfer).u8(0);
    write_cycle(w, 3);
    seeds.emplace_back("leader-elect-replicate-read", w.str());
  }
  { // a follower of n2: appends, a heartbeat with commit, a snapshot
    byte_writer w;
    w.u8(0).u8(2);
    write_append(w, 0, 0, 3, 0);
    w.u8(op_ready).u8(op_advance);
    write_append(w, 3, 1, 1, 3);
    w.u8(op_ready).u8(op_advance);
    // heartbeat from n2, commit 4, with a read context
    w.u8(op_step)
      .u8(MSG_HEARTBEAT)
      .u8(0)
      .u8(0)
      .small(1)
      .small(0)
      .small(0)
      .small(4)
      .u8(0)
      .u8(8)
      .short_string("n2/1");
    w.u8(op_ready).u8(op_advance);
    // snapshot from n2 at index 9, term 1
    write_snapshot(w, 9, "snapshot data");
    w.u8(op_ready).u8(op_advance).u8(op_tick).u8(3);
    // a snapshot the shell cannot use, at a later index
    write_snapshot(w, 20, "!garbage");
    w.u8(op_ready).u8(op_advance);
    seeds.emplace_back("follower-append-heartbeat-snapshot", w.str());
  }
  { // restart from a durable log and hard state, then campaign at once
    byte_writer w;
    w.u8(0x40).u8(3).u8(5).u8(1).u8(0).u8(1).u8(1).u8(0).u8(1).u8(1).u8(2);
    w.u8(op_campaign);
    write_cycle(w, 4);
    w.u8(op_propose).short_string("after restart");
    write_cycle(w, 3);
    seeds.emplace_back("restart-campaign", w.str());
  }
  { // a peer frame off the wire: n2's append, as protobuf bytes
    Message m;
    m.set_type(MSG_APPEND);
    m.set_from("n2");
    m.set_to("n1");
    m.set_term(1);
    auto* e = m.add_entries();
    e->set_index(1);
    e->set_term(1);
    e->set_type(ENTRY_NORMAL);
    e->set_data("raw");
    byte_writer w;
    w.u8(1).u8(4); // no pre-vote
    w.u8(op_step_raw).u8(0).long_string(m.SerializeAsString());
    w.u8(op_ready).u8(op_advance);
    w.u8(op_tick).u8(15).u8(op_tick).u8(15).u8(op_tick).u8(15);
    write_cycle(w, 3);
    seeds.emplace_back("raw-append-then-elect", w.str());
  }
  { // a leader with a held ready while input keeps arriving (asynchronous persist)
    byte_writer w;
    w.u8(0).u8(5);
    w.u8(op_campaign);
    write_cycle(w, 4);
    w.u8(op_propose)
      .short_string("a")
      .u8(op_ready)
      .u8(op_propose)
      .short_string("b")
      .u8(op_answer)
      .u8(0)
      .u8(op_read_index)
      .u8(op_tick)
      .u8(2)
      .u8(op_advance);
    write_cycle(w, 4);
    w.u8(op_report_unreachable).u8(1).u8(op_report_snapshot).u8(1).u8(1);
    w.u8(op_peer_unreachable).u8(0).u8(op_tick).u8(3);
    seeds.emplace_back("leader-held-ready", w.str());
  }
  return seeds;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  write_seeds_if_asked(make_seeds);
  google::protobuf::SetLogHandler(nullptr); // invalid UTF-8 fails the parse; don't log each one
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  byte_reader in{data, size};
  harness h{in};
  h.run(in);
  return 0;
}
