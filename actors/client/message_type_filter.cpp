// Applies Keel's allowlist of wire types (actors/security/core/wire_types.hpp)
// to every caf::message that CAF deserializes, by replacing
// caf::message::load(deserializer&).
//
// Why a replacement: CAF 0.17.6 offers no hook between the bytes of a remote
// message and their deserialization (io::hook sees messages after it), its
// table of built-in types cannot be changed, and some of those types throw
// from their deserializer: one BASP message naming "@config_value" with a
// variant index out of range terminated a plaintext node, from anyone who can
// reach its client port (found by fuzz/caf_message_fuzz.cpp;
// tests/system/trust_boundary_test.cpp sends it). The middleman (libcaf_io)
// and CAF's nested loads call message::load through the dynamic symbol
// table, so the executable's own definition below takes precedence over
// libcaf_core's, as in ssl_error_queue.cpp; message_type_filter_problem()
// proves at start that it does.
//
// What a refusal looks like: CAF 0.17.6 drops the error of a message::load
// that it calls itself (data_processor::apply of a type with a serialize(),
// which message is), so a refused message arrives as an empty one, and the
// receiving actor drops it as unexpected. Before, a message that failed to
// load arrived the same way, partly read.
//
// The body is CAF 0.17.6's message::load with two additions: each element's
// type name must pass wire_type_allowed(), and the nesting depth of messages
// in messages is bounded (unbounded, it exhausts the stack).
//
// Where it lives: in the client library, because both ends need it and both
// call message_type_filter_problem(), which is what pulls this file out of
// libkeel_client.a into the executable: client::runtime checks it when it
// starts (keelctl, keel-bench, the dashboard, any program on the installed
// library), and keel-node checks it before it starts its tree.
#include "actors/client/message_type_filter.hpp"

#include <string>

#include "caf/actor_system.hpp"
#include "caf/binary_deserializer.hpp"
#include "caf/binary_serializer.hpp"
#include "caf/config_value.hpp"
#include "caf/deserializer.hpp"
#include "caf/detail/dynamic_message_data.hpp"
#include "caf/error.hpp"
#include "caf/make_message.hpp"
#include "caf/message.hpp"
#include "caf/sec.hpp"

#include "actors/security/core/wire_types.hpp"

namespace {

// Messages being read on this thread, outermost first: loads nest (an error's
// context is a message) and each thread deserializes one message at a time.
thread_local int load_depth = 0;

struct depth_scope {
  depth_scope() { ++load_depth; }
  ~depth_scope() { --load_depth; }
  depth_scope(const depth_scope&) = delete;
  depth_scope& operator=(const depth_scope&) = delete;
};

} // namespace

namespace caf {

error message::load(deserializer& source) {
  if (source.context() == nullptr)
    return sec::no_context;
  depth_scope depth;
  if (load_depth > keel::security::max_wire_message_depth)
    return make_error(sec::invalid_argument, "messages nested too deep");
  uint16_t zero = 0;
  std::string tname;
  if (auto err = source.begin_object(zero, tname))
    return err;
  if (zero != 0)
    return sec::unknown_type;
  if (tname == "@<>") {
    message empty;
    swap(empty);
    return none;
  }
  if (tname.compare(0, 4, "@<>+") != 0)
    return sec::unknown_type;
  auto& types = source.context()->system().types();
  auto data = make_counted<detail::dynamic_message_data>();
  size_t begin = 4;
  for (;;) {
    auto end = tname.find('+', begin);
    auto name = tname.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    if (!keel::security::wire_type_allowed(name))
      return make_error(sec::unknown_type, "not a wire type: " + name);
    auto value = types.make_value(name);
    if (!value)
      return make_error(sec::unknown_type, name);
    if (auto err = value->load(source))
      return err;
    data->append(std::move(value));
    if (end == std::string::npos)
      break;
    begin = end + 1;
  }
  if (auto err = source.end_object())
    return err;
  message result{detail::message_data::cow_ptr{std::move(data)}};
  swap(result);
  return none;
}

} // namespace caf

namespace keel {

std::string message_type_filter_problem(caf::actor_system& sys) {
  // A well-formed message of a type the filter refuses, read the way CAF's
  // own code reads one: by libcaf_core's deserializer of a nested "@message",
  // whose call to message::load goes through the dynamic symbol table, as the
  // middleman's does. CAF 0.17 drops the error of a nested load (see
  // data_processor::apply), so what shows the refusal is that nothing was read.
  std::vector<char> bytes;
  caf::binary_serializer sink{sys, bytes};
  auto probe = caf::make_message(caf::config_value{int64_t{1}});
  if (auto err = sink(probe))
    return "cannot serialize the probe message: " + sys.render(err);
  auto holder = sys.types().make_value("@message");
  if (!holder)
    return "CAF has no built-in message type";
  caf::binary_deserializer source{sys, bytes};
  holder->load(source);
  if (!static_cast<const caf::message*>(holder->get())->empty())
    return "CAF's message::load is not Keel's filtered one (is libcaf_core linked "
           "statically or with -Bsymbolic?): a peer could send any CAF type";
  return {};
}

} // namespace keel
