// Every pb<T> of the CAF type-ID block (messages/type_ids.hpp), as a list the
// harnesses iterate over. The static_assert fails to compile when a type is
// registered there but missing here, so no message type escapes fuzzing.
#pragma once

#include <cstddef>
#include <utility>

#include "messages/type_ids.hpp"

namespace keel::fuzz {

template <class... Ts>
struct type_list {
  static constexpr size_t size = sizeof...(Ts);
};

using registered_pb_types = type_list<
  pb<kv::Request>, pb<kv::Response>, pb<command::Command>, pb<command::CommandBatch>,
  pb<raft::Message>, pb<raft::MessageBatch>, pb<raft::Entry>, pb<raft::HardState>,
  pb<raft::Snapshot>, pb<storage::ShardSnapshot>, pb<storage::ReplicaState>,
  pb<storage::PersistRequest>, pb<storage::ApplyRequest>, pb<storage::ApplyResult>,
  pb<admin::ActorInfo>, pb<admin::NodeTree>, pb<admin::NodeStatus>, pb<admin::ShardStatus>,
  pb<admin::FaultRequest>, pb<admin::FaultResponse>, pb<admin::Members>>;

// (CAF 0.17's atoms are values, not types: they take no type ID.)
static_assert(registered_pb_types::size
                == caf::id_block::keel::end - caf::id_block::keel::begin,
              "a pb<T> of messages/type_ids.hpp is missing from registered_pb_types");

/// Calls f(pb<T>{}) for the `index`-th registered type (index < size).
template <class F, class... Ts>
void with_type(size_t index, F&& f, type_list<Ts...>) {
  size_t i = 0;
  ((i++ == index ? (f(Ts{}), 0) : 0), ...);
}

/// Calls f(pb<T>{}) for every registered type, in block order.
template <class F, class... Ts>
void for_each_type(F&& f, type_list<Ts...>) {
  (f(Ts{}), ...);
}

} // namespace keel::fuzz
