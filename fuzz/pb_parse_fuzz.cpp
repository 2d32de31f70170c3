// Plain protobuf decoding of every registered message type: the first input
// byte picks the type, the rest is parsed with ParseFromString, as pb<T>'s
// load callback does (messages/pb.hpp). Whatever parses must serialize again
// and the result must parse to the same bytes (no silent loss of a field).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/stubs/logging.h>

#include "registered_types.hpp"
#include "sample_messages.hpp"
#include "seeds.hpp"

using namespace keel;
using namespace keel::fuzz;

namespace {

seed_list make_seeds() {
  seed_list seeds;
  size_t index = 0;
  for_each_type(
    [&](auto tag) {
      decltype(tag) full;
      fill_every_field(full.msg);
      auto prefix = std::string(1, static_cast<char>(index));
      auto name = std::to_string(index) + "-" + full.msg.GetDescriptor()->name();
      seeds.emplace_back(name + "-full", prefix + full.msg.SerializeAsString());
      seeds.emplace_back(name + "-empty", prefix);
      ++index;
    },
    registered_pb_types{});
  seeds.emplace_back("0-Request-put", std::string(1, '\0') + sample_put().SerializeAsString());
  seeds.emplace_back("4-Message-append",
                     std::string(1, '\4') + sample_append().SerializeAsString());
  return seeds;
}

/// The bytes of m with map entries in a fixed order (SerializeToString
/// writes maps in hash order, which may differ between equal messages).
std::string deterministic_bytes(const google::protobuf::Message& m) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream{&out};
    google::protobuf::io::CodedOutputStream coded{&stream};
    coded.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&coded);
  }
  return out;
}

[[noreturn]] void fail(const std::string& type, const char* what) {
  std::fprintf(stderr, "pb_parse: %s: %s\n", type.c_str(), what);
  std::abort();
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  write_seeds_if_asked(make_seeds);
  // Invalid UTF-8 in a proto3 string field fails the parse (as it should) and
  // logs an error each time; the log would drown the fuzzer's output.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  std::string wire(reinterpret_cast<const char*>(data + 1), size - 1);
  with_type(
    data[0] % registered_pb_types::size,
    [&](auto tag) {
      decltype(tag) x;
      if (!x.msg.ParseFromString(wire))
        return;
      const auto& type = x.msg.GetDescriptor()->full_name();
      std::string again;
      if (!x.msg.SerializeToString(&again))
        fail(type, "a parsed message does not serialize");
      if (again.size() != x.msg.ByteSizeLong())
        fail(type, "serialized size differs from ByteSizeLong()");
      decltype(tag) y;
      if (!y.msg.ParseFromString(again))
        fail(type, "a re-serialized message does not parse");
      if (deterministic_bytes(y.msg) != deterministic_bytes(x.msg))
        fail(type, "a parse/serialize round trip changes the bytes");
    },
    registered_pb_types{});
  return 0;
}
