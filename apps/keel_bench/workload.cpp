// workload: mix names, key and value making, the per-thread operation stream.

#include "apps/keel_bench/workload.hpp"

namespace keel::bench {

std::string_view to_string(mix m) {
  switch (m) {
    case mix::write: return "write";
    case mix::read: return "read";
    case mix::mixed: return "mixed";
    case mix::cas: return "cas";
    case mix::all: break;
  }
  return "all";
}

std::optional<mix> parse_mix(std::string_view name) {
  for (auto m : {mix::write, mix::read, mix::mixed, mix::cas, mix::all})
    if (name == to_string(m))
      return m;
  return std::nullopt;
}

std::string key_name(uint64_t index) {
  std::string key{"k"}; // appended, not "k" + ...: g++ 12 warns on that (-Wstringop-overflow)
  key += std::to_string(index);
  return key;
}

std::string make_value(uint32_t process, uint64_t seq, size_t bytes) {
  std::string v{"p"};
  v += std::to_string(process);
  v += '-';
  v += std::to_string(seq);
  v.resize(bytes, '.');
  return v;
}

workload::workload(mix m, uint64_t keys, uint64_t seed)
  : mix_(m),
    key_dist_(0, keys - 1),
    rng_(seed) {}

planned_op workload::next() {
  planned_op op;
  switch (mix_) {
    case mix::write: op.f = op_kind::write; break;
    case mix::read: op.f = op_kind::read; break;
    case mix::mixed: op.f = coin_(rng_) ? op_kind::write : op_kind::read; break;
    case mix::cas: op.f = op_kind::cas; break;
    case mix::all: {
      constexpr op_kind kinds[] = {op_kind::read, op_kind::write, op_kind::cas, op_kind::del};
      op.f = kinds[all_(rng_)];
      break;
    }
  }
  op.key = key_dist_(rng_);
  return op;
}

} // namespace keel::bench
