// Every type of the CAF type-ID block (messages/type_ids.hpp), as a list the
// harnesses iterate over. Derived from the block itself (caf::type_by_id), so a
// type registered there is fuzzed without touching this file. Every type of
// the block is a pb<T> (CAF 0.17's atoms are values and take no type ID).
#pragma once

#include <cstddef>
#include <utility>

#include "messages/type_ids.hpp"

namespace keel::fuzz {

template <class... Ts>
struct type_list {
  static constexpr size_t size = sizeof...(Ts);
};

template <size_t... Is>
auto block_types(std::index_sequence<Is...>)
  -> type_list<typename caf::type_by_id<caf::id_block::keel::begin + Is>::type...>;

using registered_pb_types = decltype(block_types(
  std::make_index_sequence<caf::id_block::keel::end - caf::id_block::keel::begin>{}));

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
