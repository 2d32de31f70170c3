// Realistic instances of every registered message type, for the seed corpora
// of pb_parse and caf_message: one with every field set (fill_every_field, the
// one the round-trip tests use) and one empty, per type, plus hand-built
// messages as a node really sends them.
#pragma once

#include <string>
#include <vector>

#include "messages/type_ids.hpp"
#include "tests/support/every_field.hpp"

namespace keel::fuzz {

using test::fill_every_field;

/// A client write as keelctl sends it.
inline kv::Request sample_put() {
  kv::Request r;
  r.set_client_id(0x5eed5eed5eedull);
  r.set_seq(1);
  r.mutable_put()->set_key("user:42");
  r.mutable_put()->set_value("hello");
  return r;
}

/// What a client runtime's channel sends a node: two sessions' requests.
inline kv::RequestBatch sample_request_batch() {
  kv::RequestBatch b;
  b.set_batch_id(3);
  auto* put = b.add_requests();
  put->set_tag(11);
  *put->mutable_request() = sample_put();
  auto* get = b.add_requests();
  get->set_tag(12);
  get->mutable_request()->set_client_id(0x5eedull);
  get->mutable_request()->mutable_get()->set_key("user:42");
  return b;
}

/// A leader's append with one client batch, as raft::node sends it.
inline raft::Message sample_append() {
  command::CommandBatch batch;
  auto* cmd = batch.add_commands();
  cmd->set_client_id(7);
  cmd->set_seq(1);
  cmd->mutable_put()->set_key("k");
  cmd->mutable_put()->set_value("v");
  raft::Message m;
  m.set_type(raft::MSG_APPEND);
  m.set_shard(0);
  m.set_from("n1");
  m.set_to("n2");
  m.set_term(2);
  m.set_log_term(2);
  m.set_index(1);
  m.set_commit(1);
  auto* e = m.add_entries();
  e->set_term(2);
  e->set_index(2);
  e->set_type(raft::ENTRY_NORMAL);
  e->set_data(batch.SerializeAsString());
  return m;
}

} // namespace keel::fuzz
