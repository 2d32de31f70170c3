// cluster.conf parsing (apps/common/cluster_config.hpp): any text either
// parses into a config that keeps every documented invariant or yields a
// config_error that points into the text. Never a crash, never a config that
// the node would trip over later.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>

#include "apps/common/cluster_config.hpp"
#include "seeds.hpp"
#include "text_lines.hpp"

using namespace keel::fuzz;
namespace cfg = keel::config;

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "cluster_config: %s\n", what.c_str());
  std::abort();
}

std::string read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::ostringstream out;
  out << in.rdbuf();
  if (!in)
    fail("cannot read " + path);
  return out.str();
}

seed_list make_seeds() {
  seed_list seeds;
  seeds.emplace_back("repository-cluster.conf", read_file(KEEL_SOURCE_DIR "/cluster.conf"));
  seeds.emplace_back("one-node.conf", "[[node]]\nid = \"n1\"\nhost = \"127.0.0.1\"\nport = 7101\n");
  seeds.emplace_back("five-nodes.conf",
                     "[cluster]\nshards = 16\nreplication_factor = 5\n"
                     "[timing]\ntick_ms = 5\nheartbeat_ticks = 2\nelection_ticks = 20\n"
                     "[[node]]\nid = \"a\"\nhost = \"h1\"\nport = 1\n"
                     "[[node]]\nid = \"b\"\nhost = \"h1\"\nport = 2\n"
                     "[[node]]\nid = \"c\"\nhost = \"h2\"\nport = 1\npeer_port = 9\n"
                     "[[node]]\nid = \"d\"\nhost = \"h3\"\nport = 1\n"
                     "[[node]]\nid = \"e\"\nhost = \"h4\"\nport = 65535\n");
  seeds.emplace_back("bad-election.conf",
                     "[timing]\nheartbeat_ticks = 5\nelection_ticks = 4\n"
                     "[[node]]\nid = \"n1\"\nhost = \"127.0.0.1\"\nport = 7101\n");
  return seeds;
}

void check_config(const cfg::cluster_config& c) {
  if (c.nodes.empty())
    fail("a config without nodes was accepted");
  if (c.replication_factor < 1 || c.replication_factor > c.nodes.size())
    fail("replication_factor out of range was accepted");
  if (c.shards < 1)
    fail("zero shards were accepted");
  std::set<std::string> ids;
  std::set<std::pair<std::string, uint16_t>> addresses;
  for (const auto& n : c.nodes) {
    if (!ids.insert(n.id).second)
      fail("duplicate node id accepted: " + n.id);
    if (!addresses.insert({n.host, n.port}).second)
      fail("duplicate host:port accepted: " + n.host);
    auto* found = c.find_node(n.id);
    if (found == nullptr || found->id != n.id)
      fail("find_node does not find " + n.id);
  }
  // Placement: every shard has replication_factor distinct known replicas,
  // and shards_on is its inverse.
  std::set<std::pair<std::string, uint32_t>> placed;
  uint32_t shards = c.shards < 64 ? c.shards : 64; // enough to cover the pattern, stays fast
  for (uint32_t s = 0; s < shards; ++s) {
    auto replicas = c.replicas_of(s);
    std::set<std::string> distinct(replicas.begin(), replicas.end());
    if (replicas.size() != c.replication_factor || distinct.size() != replicas.size())
      fail("replicas_of(" + std::to_string(s) + ") is not replication_factor distinct nodes");
    for (const auto& r : replicas) {
      if (c.find_node(r) == nullptr)
        fail("replicas_of names an unknown node " + r);
      placed.insert({r, s});
    }
  }
  for (const auto& n : c.nodes)
    for (auto s : c.shards_on(n.id))
      if (s < shards && !placed.contains({n.id, s}))
        fail("shards_on(" + n.id + ") lists a shard replicas_of does not place there");
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  write_seeds_if_asked(make_seeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  auto parsed = cfg::parse_cluster_config(text, "fuzz.conf", "/nonexistent-keel-fuzz-base");
  if (parsed) {
    check_config(*parsed);
    return 0;
  }
  const auto& err = parsed.error();
  if (err.message.empty())
    fail("a config_error without a message");
  if (err.line > line_count(text))
    fail("a config_error points past the end of the text: line " + std::to_string(err.line));
  if (err.to_string().empty())
    fail("config_error::to_string() is empty");
  return 0;
}
