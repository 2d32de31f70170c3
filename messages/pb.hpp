// pb<T>: the one codec that carries any protobuf message through CAF.
//
// CAF serializes a pb<T> as the protobuf wire bytes of its `msg`, so every
// message that crosses a node boundary has exactly one encoding: the one its
// .proto file defines. Malformed bytes make deserialization fail with
// sec::invalid_argument; they never crash the receiver. Register the concrete
// pb<...> types in messages/type_ids.hpp, nowhere else.
#pragma once

#include <string>
#include <utility>

#include "caf/error.hpp"
#include "caf/meta/load_callback.hpp"
#include "caf/meta/save_callback.hpp"
#include "caf/meta/type_name.hpp"
#include "caf/sec.hpp"

namespace keel {

/// A protobuf message of type T, as a CAF message element.
template <class T>
struct pb {
  T msg;

  pb() = default;
  explicit pb(T m)
    : msg(std::move(m)) {}

  T* operator->() { return &msg; }
  const T* operator->() const { return &msg; }
};

template <class T>
pb<T> make_pb(T msg) {
  return pb<T>{std::move(msg)};
}

/// Equality on the wire bytes: enough for tests and for CAF's test DSL.
template <class T>
bool operator==(const pb<T>& x, const pb<T>& y) {
  return x.msg.SerializeAsString() == y.msg.SerializeAsString();
}

template <class Inspector, class T>
typename Inspector::result_type inspect(Inspector& f, pb<T>& x) {
  std::string wire;
  auto save = caf::meta::save_callback([&]() -> caf::error {
    if (!x.msg.SerializeToString(&wire))
      return caf::make_error(caf::sec::invalid_argument,
                             "protobuf message could not be serialized");
    return caf::none;
  });
  auto load = caf::meta::load_callback([&]() -> caf::error {
    if (!x.msg.ParseFromString(wire))
      return caf::make_error(caf::sec::invalid_argument, "malformed protobuf bytes");
    return caf::none;
  });
  return f(caf::meta::type_name("pb"), save, wire, load);
}

} // namespace keel
