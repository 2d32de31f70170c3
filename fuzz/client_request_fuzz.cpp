// The client service's request path: a kv::Request decoded from the wire,
// storage::validate, storage::to_command, then kv_state_machine::apply over a
// real RocksDB engine (actors/storage/). An input is a sequence of requests;
// every outcome is compared with a model of the documented semantics (data,
// exactly-once sessions, cas), so a wrong answer is a crash too, not only UB.
//
// One engine, opened once in a temp dir; every input starts by replacing the
// shard with an empty snapshot, so inputs do not see each other's writes.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <variant>

#include <google/protobuf/stubs/logging.h>

#include "actors/storage/core/client_request.hpp"
#include "actors/storage/core/kv_state_machine.hpp"
#include "actors/storage/engine/engine.hpp"
#include "byte_stream.hpp"
#include "seeds.hpp"

using namespace keel;
using namespace keel::fuzz;
namespace fs = std::filesystem;

namespace {

// Small limits, so that inputs reach both sides of every check cheaply.
const storage::limits lim{.max_key_bytes = 16, .max_value_bytes = 64};
constexpr uint32_t shard = 0;

storage::engine* db = nullptr;
std::string db_dir;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "client_request: %s\n", what.c_str());
  std::abort();
}

void remove_db_dir() {
  std::error_code ec;
  fs::remove_all(db_dir, ec);
}

void open_engine() {
  auto base = fs::exists("/dev/shm") ? fs::path{"/dev/shm"} : fs::temp_directory_path();
  std::string tmpl = (base / "keel-fuzz-client-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr)
    fail("mkdtemp failed");
  db_dir = tmpl;
  std::atexit(remove_db_dir);
  auto opened = storage::open_rocks_engine(db_dir, "n1", 1);
  if (!opened)
    fail("open_rocks_engine: " + opened.error().detail);
  db = std::move(opened).value().release(); // lives until exit
}

/// What the state machine must answer, per kv_state_machine.hpp.
struct model {
  struct session {
    uint64_t last_seq;
    std::string last_op; // the command without its session: a retry must match it
    kv::Response last_response;
  };
  std::map<std::string, std::string> data;
  std::map<uint64_t, session> sessions;

  static std::string op_of(const command::Command& cmd) {
    auto op = cmd;
    op.clear_client_id();
    op.clear_seq();
    return op.SerializeAsString();
  }

  /// The expected answer; `fresh` tells whether the command applies (its
  /// answer then carries `index`). Batches carry no leader_time_ms, so log
  /// time stands still and no session expires.
  kv::Response apply(const command::Command& cmd, uint64_t index, bool& fresh) {
    fresh = false;
    if (cmd.client_id() != 0) {
      auto it = sessions.find(cmd.client_id());
      if (it != sessions.end() && cmd.seq() == it->second.last_seq) {
        if (it->second.last_op == op_of(cmd))
          return it->second.last_response;
        kv::Response r;
        r.set_status(kv::STATUS_INVALID_ARGUMENT); // same seq, another command
        return r;
      }
      if (it != sessions.end() && cmd.seq() < it->second.last_seq) {
        kv::Response r;
        r.set_status(kv::STATUS_STALE_REQUEST);
        return r;
      }
    }
    fresh = true;
    kv::Response r;
    r.set_index(index);
    switch (cmd.op_case()) {
      case command::Command::kPut:
        data[cmd.put().key()] = cmd.put().value();
        r.set_status(kv::STATUS_OK);
        break;
      case command::Command::kDel:
        r.set_status(data.erase(cmd.del().key()) ? kv::STATUS_OK : kv::STATUS_NOT_FOUND);
        break;
      case command::Command::kCas: {
        const auto& cas = cmd.cas();
        auto it = data.find(cas.key());
        bool matches = cas.expect_absent() ? it == data.end()
                                           : it != data.end() && it->second == cas.expected();
        if (matches) {
          data[cas.key()] = cas.value();
          r.set_status(kv::STATUS_OK);
        } else if (it == data.end()) {
          r.set_status(kv::STATUS_NOT_FOUND);
        } else {
          r.set_status(kv::STATUS_CAS_MISMATCH);
          r.set_value(it->second);
          r.set_has_value(true);
        }
        break;
      }
      case command::Command::OP_NOT_SET: fail("to_command produced a command without an operation");
    }
    if (cmd.client_id() != 0)
      sessions[cmd.client_id()] = {cmd.seq(), op_of(cmd), r};
    return r;
  }
};

/// Compares what a client relies on: status, value and (for a write that
/// applied or its cached answer) the index.
void expect_same(const kv::Response& want, const kv::Response& got, const std::string& what,
                 bool check_index = true) {
  bool same = want.status() == got.status() && want.has_value() == got.has_value()
              && want.value() == got.value() && (!check_index || want.index() == got.index());
  if (!same)
    fail(what + ": expected " + want.ShortDebugString() + ", got " + got.ShortDebugString());
}

/// Applies `batch` as the log entry at `index` and checks every answer.
void apply_entry(storage::kv_state_machine& sm, model& m, const command::CommandBatch& batch,
                 uint64_t index) {
  auto wb = db->make_batch();
  auto got = sm.apply(batch, index, 1, wb);
  if (got.size() != static_cast<size_t>(batch.commands_size()))
    fail("apply answered " + std::to_string(got.size()) + " responses for "
         + std::to_string(batch.commands_size()) + " commands");
  for (int i = 0; i < batch.commands_size(); ++i) {
    bool fresh = false;
    auto want = m.apply(batch.commands(i), index, fresh);
    bool cached = !fresh && want.status() != kv::STATUS_INVALID_ARGUMENT
                  && want.status() != kv::STATUS_STALE_REQUEST;
    expect_same(want, got[static_cast<size_t>(i)],
                "apply of " + batch.commands(i).ShortDebugString(), fresh || cached);
  }
  if (auto committed = db->commit(wb, false); !committed)
    fail("commit: " + committed.error().detail);
}

// Input format (byte_stream.hpp), repeated until the input ends:
//   u8 flags: bit 0 = join the previous write's log entry instead of starting one
//   u16-prefixed bytes: a serialized kv::Request, exactly as it arrives
void run(byte_reader& in) {
  auto reset = db->make_batch();
  storage::ShardSnapshot empty;
  empty.set_shard(shard);
  reset.replace_shard(empty);
  if (auto committed = db->commit(reset, false); !committed)
    fail("reset: " + committed.error().detail);

  storage::kv_state_machine sm{*db, shard};
  model m;
  uint64_t index = 0;
  command::CommandBatch pending;
  auto flush = [&] {
    if (pending.commands_size() > 0)
      apply_entry(sm, m, pending, ++index);
    pending.Clear();
  };

  while (!in.empty()) {
    bool join = (in.u8() & 1) != 0;
    kv::Request req;
    if (!req.ParseFromString(in.long_string()))
      continue; // the transport refuses undecodable bytes before the service sees them
    auto checked = storage::validate(req, lim);
    auto cmd = storage::to_command(req);
    bool is_write = req.has_put() || req.has_del() || req.has_cas();
    if (cmd.has_value() != is_write)
      fail("to_command disagrees with the request's operation: " + req.ShortDebugString());
    if (!checked) {
      if (checked.error().detail.empty() || checked.error().code != storage::errc::invalid)
        fail("an empty refusal for " + req.ShortDebugString());
      continue;
    }
    if (req.op_case() == kv::Request::OP_NOT_SET)
      fail("a request without an operation was accepted");
    if (req.has_get()) {
      flush();
      auto got = sm.read(req.get());
      auto it = m.data.find(req.get().key());
      kv::Response want;
      want.set_status(it == m.data.end() ? kv::STATUS_NOT_FOUND : kv::STATUS_OK);
      if (it != m.data.end()) {
        want.set_value(it->second);
        want.set_has_value(true);
      }
      expect_same(want, got, "read of " + req.ShortDebugString());
      continue;
    }
    if (cmd->client_id() != req.client_id() || cmd->seq() != req.seq())
      fail("to_command lost the session of " + req.ShortDebugString());
    if (!join)
      flush();
    *pending.add_commands() = std::move(*cmd);
  }
  flush();
}

std::string request(uint64_t client, uint64_t seq, auto set_op, bool join = false) {
  kv::Request r;
  r.set_client_id(client);
  r.set_seq(seq);
  set_op(r);
  byte_writer w;
  w.u8(join ? 1 : 0).long_string(r.SerializeAsString());
  return w.str();
}

seed_list make_seeds() {
  auto put = [](std::string k, std::string v) {
    return [=](kv::Request& r) {
      r.mutable_put()->set_key(k);
      r.mutable_put()->set_value(v);
    };
  };
  auto get = [](std::string k) { return [=](kv::Request& r) { r.mutable_get()->set_key(k); }; };
  auto del = [](std::string k) { return [=](kv::Request& r) { r.mutable_del()->set_key(k); }; };
  auto cas = [](std::string k, std::optional<std::string> expected, std::string v) {
    return [=](kv::Request& r) {
      auto* c = r.mutable_cas();
      c->set_key(k);
      if (expected)
        c->set_expected(*expected);
      else
        c->set_expect_absent(true);
      c->set_value(v);
    };
  };
  seed_list seeds;
  seeds.emplace_back("put-get-del", request(7, 1, put("k", "v")) + request(7, 0, get("k"))
                                      + request(7, 2, del("k")) + request(7, 0, get("k")));
  seeds.emplace_back("cas", request(9, 1, cas("c", std::nullopt, "1"))
                              + request(9, 2, cas("c", "1", "2"))
                              + request(9, 3, cas("c", "1", "3")) + request(9, 0, get("c")));
  seeds.emplace_back("retry-and-stale", request(5, 1, put("a", "x")) + request(5, 2, put("a", "y"))
                                          + request(5, 2, put("a", "y"))
                                          + request(5, 1, put("a", "x")) + request(5, 0, get("a")));
  seeds.emplace_back("same-seq-other-command", request(6, 4, put("s", "1"))
                                                 + request(6, 4, put("s", "2"))
                                                 + request(6, 0, get("s")));
  seeds.emplace_back("one-entry", request(0, 0, put("p", "1"))
                                    + request(0, 0, cas("p", "1", "2"), true)
                                    + request(0, 0, del("p"), true) + request(0, 0, get("p")));
  seeds.emplace_back("too-large", request(1, 1, put(std::string(17, 'k'), "v"))
                                    + request(1, 2, put("k", std::string(65, 'v')))
                                    + request(1, 3, get("")));
  return seeds;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  write_seeds_if_asked(make_seeds);
  google::protobuf::SetLogHandler(nullptr); // invalid UTF-8 fails the parse; don't log each one
  open_engine();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  byte_reader in{data, size};
  run(in);
  return 0;
}
