// A caf::message read from peer bytes, the way a node reads a BASP payload:
// caf::binary_deserializer over an actor system that registered Keel's type-ID
// block (messages/type_ids.hpp), through Keel's allowlist of wire types
// (actors/client/message_type_filter.cpp, linked in as in keel-node). CAF picks
// the element types from the bytes, so one harness covers the type dispatch,
// the allowlist and every pb<T> load callback (messages/pb.hpp). Whatever
// deserializes must serialize again, and those bytes must deserialize to a
// message of the same types.
//
// Found by this harness: CAF 0.17.6's serializer loops forever on an infinite
// float (pack754 in caf/detail/ieee_754.hpp), and its deserializer throws on
// a config_value with a bad variant index, which terminated a node. The
// allowlist refuses both types from the network.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <google/protobuf/stubs/logging.h>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/binary_deserializer.hpp"
#include "caf/binary_serializer.hpp"
#include "caf/message.hpp"

#include "actors/client/message_type_filter.hpp"
#include "registered_types.hpp"
#include "sample_messages.hpp"
#include "seeds.hpp"

using namespace keel;
using namespace keel::fuzz;

namespace {

struct fuzz_config : caf::actor_system_config {
  fuzz_config() {
    register_message_types(*this);
    // Deserialization needs the type registry, not a busy scheduler.
    set("scheduler.max-threads", 1);
  }
};

caf::actor_system* sys = nullptr;

std::vector<char> serialize(const caf::message& msg) {
  std::vector<char> buf;
  caf::binary_serializer sink{*sys, buf};
  auto copy = msg;
  if (auto err = sink(copy)) {
    std::fprintf(stderr, "caf_message: a deserialized message does not serialize: %s\n",
                 sys->render(err).c_str());
    std::abort();
  }
  return buf;
}

seed_list make_seeds() {
  seed_list seeds;
  auto add = [&](std::string name, caf::message msg) {
    auto buf = serialize(msg);
    seeds.emplace_back(std::move(name), std::string(buf.begin(), buf.end()));
  };
  for_each_type(
    [&](auto tag) {
      decltype(tag) full;
      fill_every_field(full.msg);
      add(full.msg.GetDescriptor()->name() + "-full", caf::make_message(full));
      add(full.msg.GetDescriptor()->name() + "-empty", caf::make_message(decltype(tag){}));
    },
    registered_pb_types{});
  // What actually crosses the wire: client requests, a peer frame.
  add("kv-request", caf::make_message(kv_atom_v, make_pb(sample_put())));
  add("kv-request-batch", caf::make_message(kv_atom_v, make_pb(sample_request_batch())));
  raft::MessageBatch batch;
  *batch.add_messages() = sample_append();
  add("raft-batch", caf::make_message(raft_atom_v, make_pb(batch)));
  add("tick", caf::make_message(tick_atom_v));
  return seeds;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr); // invalid UTF-8 fails the parse; don't log each one
  // Never destroyed: ~actor_system at exit() crashes inside CAF once CAF's own
  // static state is gone, and libFuzzer leaves through exit().
  sys = new caf::actor_system{*new fuzz_config};
  if (auto problem = message_type_filter_problem(*sys); !problem.empty()) {
    std::fprintf(stderr, "caf_message: %s\n", problem.c_str());
    std::abort();
  }
  write_seeds_if_asked(make_seeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  caf::binary_deserializer source{*sys, reinterpret_cast<const char*>(data), size};
  caf::message msg;
  if (source(msg))
    return 0; // refused with an error: what must happen to bad bytes
  auto bytes = serialize(msg);
  caf::binary_deserializer again{*sys, bytes};
  caf::message copy;
  if (auto err = again(copy)) {
    std::fprintf(stderr, "caf_message: re-serialized bytes do not deserialize: %s\n",
                 sys->render(err).c_str());
    std::abort();
  }
  if (copy.size() != msg.size() || copy.type_token() != msg.type_token()) {
    std::fprintf(stderr, "caf_message: a round trip changes the element types: %s -> %s\n",
                 caf::to_string(msg).c_str(), caf::to_string(copy).c_str());
    std::abort();
  }
  return 0;
}
