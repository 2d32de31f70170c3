// wire_types: which element types a CAF message read from the network may
// hold. CAF 0.17 lets the sender name the types of a message ("@<>+@atom+
// keel::pb<keel::kv::Request>") and builds whatever is named, from a table of
// some forty built-in types of which Keel sends a handful. Several of the rest
// are unsafe to read from hostile bytes: a config_value or a stream message
// with a bad variant index throws out of CAF's deserializer and terminates
// the process (found by fuzz/caf_message_fuzz.cpp), a group makes CAF look
// up group modules, and messages nest without a bound. So a node reads only
// the types Keel itself sends, at a bounded depth, and refuses the message
// otherwise, the way Java's ObjectInputFilter or a protobuf Any allowlist do.
// Pure: the names only. actors/client/message_type_filter.cpp applies it to
// every message CAF deserializes.
#pragma once

#include <string_view>

namespace keel::security {

/// How deep messages may nest in a message from the network. Keel's deepest is
/// 2 (an error answering a request carries its context as a message).
inline constexpr int max_wire_message_depth = 4;

/// True if an element of this CAF portable type name may be read from the
/// network: Keel's own type-ID block (messages/type_ids.hpp) and the few
/// built-in types that Keel's and CAF's own traffic uses.
bool wire_type_allowed(std::string_view portable_name);

} // namespace keel::security
