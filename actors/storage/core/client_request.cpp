#include "actors/storage/core/client_request.hpp"

#include <google/protobuf/unknown_field_set.h>

namespace keel::storage {

namespace {

// Every refusal is errc::invalid: the request, not the store, is at fault.
storage_error refused(std::string why) { return {errc::invalid, std::move(why)}; }

result<void> check_key(const std::string& key, const limits& lim) {
  if (key.empty())
    return refused("key is empty; keys are 1 to " + std::to_string(lim.max_key_bytes) + " bytes");
  if (key.size() > lim.max_key_bytes)
    return refused("key is " + std::to_string(key.size())
                   + " bytes; the limit is max_key_bytes = " + std::to_string(lim.max_key_bytes));
  return {};
}

result<void> check_value(const char* field, const std::string& value, const limits& lim) {
  if (value.size() > lim.max_value_bytes)
    return refused(std::string{field} + " is " + std::to_string(value.size())
                   + " bytes; the limit is max_value_bytes = "
                   + std::to_string(lim.max_value_bytes));
  return {};
}

// A field this build does not know: an operation or an option of a newer
// client, which this node would otherwise silently ignore (proto3 keeps it
// as an unknown field). It is refused rather than half-understood.
result<void> check_unknown(const char* what, const google::protobuf::Message& message) {
  const auto& unknown = message.GetReflection()->GetUnknownFields(message);
  if (unknown.empty())
    return {};
  return refused(std::string{what} + " carries field " + std::to_string(unknown.field(0).number())
                 + ", which this node does not know (is the client newer than the node?)");
}

// The session (client_id, seq) as the state machine needs it (thesis §6.3):
// a write with a session numbers it from 1, a read carries no seq.
result<void> check_session(const kv::Request& request) {
  auto seq = std::to_string(request.seq());
  if (request.client_id() == 0 && request.seq() != 0)
    return refused("seq is " + seq
                   + " but client_id is 0: a seq needs a session (nonzero client_id)");
  bool read = request.op_case() == kv::Request::kGet;
  if (read && request.seq() != 0)
    return refused("seq is " + seq + " on a get: reads carry no seq (0)");
  if (!read && request.op_case() != kv::Request::OP_NOT_SET && request.client_id() != 0
      && request.seq() == 0)
    return refused("seq is 0 on a write of client " + std::to_string(request.client_id())
                   + ": a session numbers its writes from 1");
  return {};
}

result<void> check_cas(const kv::Cas& cas, const limits& lim) {
  if (auto checked = check_unknown("cas", cas); !checked)
    return checked;
  if (auto checked = check_key(cas.key(), lim); !checked)
    return checked;
  if (cas.expect_absent() && !cas.expected().empty())
    return refused("cas sets both expect_absent and expected ("
                   + std::to_string(cas.expected().size())
                   + " bytes): a key cannot be absent and hold a value; send one of them");
  if (auto checked = check_value("expected value", cas.expected(), lim); !checked)
    return checked;
  return check_value("value", cas.value(), lim);
}

} // namespace

result<void> validate(const kv::Request& request, const limits& lim) {
  if (auto checked = check_unknown("request", request); !checked)
    return checked;
  if (auto checked = check_session(request); !checked)
    return checked;
  switch (request.op_case()) {
    case kv::Request::kGet:
      if (auto checked = check_unknown("get", request.get()); !checked)
        return checked;
      return check_key(request.get().key(), lim);
    case kv::Request::kPut:
      if (auto checked = check_unknown("put", request.put()); !checked)
        return checked;
      if (auto checked = check_key(request.put().key(), lim); !checked)
        return checked;
      return check_value("value", request.put().value(), lim);
    case kv::Request::kDel:
      if (auto checked = check_unknown("del", request.del()); !checked)
        return checked;
      return check_key(request.del().key(), lim);
    case kv::Request::kCas: return check_cas(request.cas(), lim);
    case kv::Request::OP_NOT_SET: break;
  }
  return refused(std::string{"request has no operation (get, put, del or cas)"});
}

std::optional<command::Command> to_command(const kv::Request& request) {
  command::Command cmd;
  switch (request.op_case()) {
    case kv::Request::kPut: *cmd.mutable_put() = request.put(); break;
    case kv::Request::kDel: *cmd.mutable_del() = request.del(); break;
    case kv::Request::kCas: *cmd.mutable_cas() = request.cas(); break;
    case kv::Request::kGet:
    case kv::Request::OP_NOT_SET: return std::nullopt;
  }
  cmd.set_client_id(request.client_id());
  cmd.set_seq(request.seq());
  return cmd;
}

} // namespace keel::storage
