// The client runtime's kv_channel under CAF's deterministic test coordinator:
// a lone request leaves at once, what sessions ask in one turn while others
// are in flight leaves as one batch per node, each answer
// finds its own requester in any order, only the node asked may answer, and a
// refusal, a node going down or a deadline fail exactly the requests they
// concern, with the error the session maps onto its retry policy. Virtual
// time moves only where a test says so (sched.run() runs no timer).
#include <memory>
#include <string>
#include <vector>

#include "actors/client/kv_channel.hpp"
#include "caf_gtest_dsl.hpp"
#include "keel_test_config.hpp"
#include "messages/service_api.hpp"

namespace {

using namespace keel;
using namespace keel::test;
using namespace std::chrono_literals;

// A node that only records the batches it receives; the tests answer for it.
caf::behavior recording_node(caf::event_based_actor*,
                             std::shared_ptr<std::vector<kv::RequestBatch>> got) {
  return {[got](kv_atom, pb<kv::RequestBatch>& b) { got->push_back(b.msg); }};
}

kv::Request put_request(const std::string& key) {
  kv::Request r;
  r.mutable_put()->set_key(key);
  r.mutable_put()->set_value("v");
  return r;
}

struct KvChannel : ::testing::Test, test_coordinator_fixture<keel_config> {
  caf::actor channel = client::spawn_kv_channel(sys);
  std::shared_ptr<std::vector<kv::RequestBatch>> n1_got
    = std::make_shared<std::vector<kv::RequestBatch>>();
  std::shared_ptr<std::vector<kv::RequestBatch>> n2_got
    = std::make_shared<std::vector<kv::RequestBatch>>();
  caf::actor n1 = sys.spawn(recording_node, n1_got);
  caf::actor n2 = sys.spawn(recording_node, n2_got);

  KvChannel() { sched.run(); } // every actor started and idle

  ~KvChannel() override {
    for (auto& a : {channel, n1, n2})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    run();
  }

  void ask(const caf::actor& node, const std::string& key, uint32_t timeout_ms = 1000) {
    self->send(channel, kv_atom_v, node, make_pb(put_request(key)), timeout_ms);
  }

  // `node` answers `tag` with an OK whose error text names `key`, so that the
  // requester can tell the answers apart.
  void answer(const caf::actor& node, std::vector<std::pair<uint64_t, std::string>> answers) {
    kv::ResponseBatch b;
    for (auto& [tag, key] : answers) {
      auto* a = b.add_responses();
      a->set_tag(tag);
      a->mutable_response()->set_status(kv::STATUS_OK);
      a->mutable_response()->set_error("answer for " + key);
    }
    caf::send_as(node, channel, kv_atom_v, make_pb(std::move(b)));
  }

  // What came back to the requester: answers' texts and errors, in arrival order.
  std::vector<std::string> replies() {
    std::vector<std::string> out;
    bool more = true;
    while (more)
      self->receive([&](pb<kv::Response>& r) { out.push_back(r->error()); },
                    [&](caf::error& e) { out.push_back("error: " + sys.render(e)); },
                    caf::after(0s) >> [&] { more = false; });
    return out;
  }
};

TEST_F(KvChannel, ALoneRequestLeavesAtOnceAndTheNextOnesOfOneTurnWaitForTheTurnsEnd) {
  ask(n1, "a");
  EXPECT_EQ(n1_got->size(), 0u);
  sched.run_once(); // the channel takes "a": nothing else is in flight to n1
  sched.run_once(); // n1 receives it, without a turn of the channel in between
  ASSERT_EQ(n1_got->size(), 1u);
  ask(n1, "b"); // "a" is in flight: "b" and "c" wait for the end of the turn
  ask(n1, "c");
  sched.run();
  ASSERT_EQ(n1_got->size(), 2u);
  EXPECT_EQ(n1_got->at(1).requests_size(), 2);
  EXPECT_NE(n1_got->at(0).batch_id(), n1_got->at(1).batch_id());
}

TEST_F(KvChannel, RequestsOfOneTurnLeaveAsOneBatchPerNodeAndAnswersFindTheirRequesters) {
  ask(n1, "first"); // in flight to both nodes, so that what follows is batched
  ask(n2, "first");
  sched.run();
  ask(n1, "a");
  ask(n2, "b");
  ask(n1, "c");
  sched.run();
  ASSERT_EQ(n1_got->size(), 2u);
  ASSERT_EQ(n2_got->size(), 2u);
  const auto& batch = n1_got->at(1);
  ASSERT_EQ(batch.requests_size(), 2);
  EXPECT_EQ(batch.requests(0).request().put().key(), "a");
  EXPECT_EQ(batch.requests(1).request().put().key(), "c");
  EXPECT_NE(batch.requests(0).tag(), batch.requests(1).tag());
  ASSERT_EQ(n2_got->at(1).requests_size(), 1);
  // Answered out of order, in two messages: each reaches its own request.
  answer(n1, {{batch.requests(1).tag(), "c"}});
  sched.run();
  answer(n1, {{batch.requests(0).tag(), "a"}});
  answer(n2, {{n2_got->at(1).requests(0).tag(), "b"}});
  sched.run();
  EXPECT_EQ(replies(), (std::vector<std::string>{"answer for c", "answer for a", "answer for b"}));
  // A second answer to the same tag finds nobody waiting.
  answer(n1, {{batch.requests(0).tag(), "a again"}});
  sched.run();
  EXPECT_TRUE(replies().empty());
}

TEST_F(KvChannel, ABatchIsCutAtTheLimitTheServiceTakes) {
  for (int i = 0; i < max_batch_requests + 11; ++i)
    ask(n1, "k" + std::to_string(i));
  sched.run();
  ASSERT_EQ(n1_got->size(), 3u); // the first alone, then the limit, then the rest
  EXPECT_EQ(n1_got->at(0).requests_size(), 1);
  EXPECT_EQ(n1_got->at(1).requests_size(), max_batch_requests);
  EXPECT_EQ(n1_got->at(2).requests_size(), 10);
}

TEST_F(KvChannel, OnlyTheNodeAskedMayAnswer) {
  ask(n1, "a");
  sched.run();
  auto tag = n1_got->front().requests(0).tag();
  answer(n2, {{tag, "forged"}}); // n2 was never asked
  sched.run();
  EXPECT_TRUE(replies().empty());
  answer(n1, {{tag, "a"}});
  sched.run();
  EXPECT_EQ(replies(), std::vector<std::string>{"answer for a"});
}

TEST_F(KvChannel, ARefusedBatchFailsItsRequestsWithTheNodesWordsAndNoOthers) {
  ask(n1, "x");
  sched.run();
  ask(n1, "a");
  ask(n1, "b");
  sched.run();
  ask(n1, "c");
  sched.run();
  ASSERT_EQ(n1_got->size(), 3u);
  ASSERT_EQ(n1_got->at(1).requests_size(), 2);
  kv::ResponseBatch refusal;
  refusal.set_refused_batch_id(n1_got->at(1).batch_id());
  refusal.set_refusal("too many requests");
  caf::send_as(n1, channel, kv_atom_v, make_pb(refusal));
  sched.run();
  auto got = replies();
  ASSERT_EQ(got.size(), 2u);
  for (auto& r : got)
    EXPECT_NE(r.find("too many requests"), std::string::npos) << r;
  answer(n1, {{n1_got->at(0).requests(0).tag(), "x"}, {n1_got->at(2).requests(0).tag(), "c"}});
  sched.run();
  EXPECT_EQ(replies(), (std::vector<std::string>{"answer for x", "answer for c"}));
}

TEST_F(KvChannel, ANodeGoingDownFailsItsRequestsAtOnce) {
  ask(n1, "a");
  ask(n2, "b");
  sched.run();
  caf::anon_send_exit(n1, caf::exit_reason::kill);
  sched.run();
  auto got = replies();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("request_receiver_down"), std::string::npos) << got[0];
  answer(n2, {{n2_got->front().requests(0).tag(), "b"}});
  sched.run();
  EXPECT_EQ(replies(), std::vector<std::string>{"answer for b"});
  // A request to the node that is gone fails too, instead of waiting.
  ask(n1, "c");
  sched.run();
  got = replies();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("request_receiver_down"), std::string::npos) << got[0];
}

TEST_F(KvChannel, AnUnansweredRequestTimesOutAtItsDeadlineAndALateAnswerIsDropped) {
  ask(n1, "slow", 100);
  ask(n1, "patient", 5000);
  sched.run();
  sched.advance_time(std::chrono::milliseconds(100)); // fires the timer due then
  sched.run();
  auto got = replies();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("request_timeout"), std::string::npos) << got[0];
  ASSERT_EQ(n1_got->size(), 2u); // "slow" alone, "patient" at the turn's end
  answer(n1,
         {{n1_got->at(0).requests(0).tag(), "slow"}, {n1_got->at(1).requests(0).tag(), "patient"}});
  sched.run();
  EXPECT_EQ(replies(), std::vector<std::string>{"answer for patient"});
}

} // namespace
