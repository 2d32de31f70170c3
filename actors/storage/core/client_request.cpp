#include "actors/storage/core/client_request.hpp"

namespace keel::storage {

namespace {

std::optional<std::string> check_key(const std::string& key, const limits& lim) {
  if (key.empty())
    return "key is empty; keys are 1 to " + std::to_string(lim.max_key_bytes) + " bytes";
  if (key.size() > lim.max_key_bytes)
    return "key is " + std::to_string(key.size()) + " bytes; the limit is max_key_bytes = "
           + std::to_string(lim.max_key_bytes);
  return std::nullopt;
}

std::optional<std::string> check_value(const char* field, const std::string& value,
                                       const limits& lim) {
  if (value.size() > lim.max_value_bytes)
    return std::string{field} + " is " + std::to_string(value.size())
           + " bytes; the limit is max_value_bytes = "
           + std::to_string(lim.max_value_bytes);
  return std::nullopt;
}

} // namespace

std::optional<std::string> validate(const kv::Request& request, const limits& lim) {
  switch (request.op_case()) {
    case kv::Request::kGet:
      return check_key(request.get().key(), lim);
    case kv::Request::kPut:
      if (auto problem = check_key(request.put().key(), lim))
        return problem;
      return check_value("value", request.put().value(), lim);
    case kv::Request::kDel:
      return check_key(request.del().key(), lim);
    case kv::Request::kCas: {
      const auto& cas = request.cas();
      if (auto problem = check_key(cas.key(), lim))
        return problem;
      if (!cas.expect_absent())
        if (auto problem = check_value("expected value", cas.expected(), lim))
          return problem;
      return check_value("value", cas.value(), lim);
    }
    case kv::Request::OP_NOT_SET:
      break;
  }
  return std::string{"request has no operation (get, put, del or cas)"};
}

std::optional<command::Command> to_command(const kv::Request& request) {
  command::Command cmd;
  switch (request.op_case()) {
    case kv::Request::kPut:
      *cmd.mutable_put() = request.put();
      break;
    case kv::Request::kDel:
      *cmd.mutable_del() = request.del();
      break;
    case kv::Request::kCas:
      *cmd.mutable_cas() = request.cas();
      break;
    case kv::Request::kGet:
    case kv::Request::OP_NOT_SET:
      return std::nullopt;
  }
  cmd.set_client_id(request.client_id());
  cmd.set_seq(request.seq());
  return cmd;
}

} // namespace keel::storage
