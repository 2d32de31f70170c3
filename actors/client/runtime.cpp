#include "actors/client/runtime.hpp"

#include <optional>
#include <stdexcept>

#include "caf/all.hpp"
#include "caf/io/all.hpp"
#include "caf/openssl/manager.hpp"

#include "actors/client/kv_channel.hpp"
#include "actors/client/message_type_filter.hpp"
#include "messages/type_ids.hpp"

namespace keel::client {

struct runtime::impl {
  caf::actor_system_config cfg; // declared first: it must outlive the system
  std::optional<caf::actor_system> sys;
  caf::actor channel; // declared last: released before the system ends

  explicit impl(const transport_options& t) {
    using std::chrono::milliseconds;
    cfg.load<caf::io::middleman>();
    register_message_types(cfg);
    // Field guide §5: 'sharing' plus no extra middleman workers halves the
    // loopback round trip. Heartbeats: see transport_options.
    cfg.set("scheduler.policy", caf::atom("sharing"));
    if (t.threads > 0)
      cfg.set("scheduler.max-threads", size_t{t.threads});
    cfg.set("middleman.workers", size_t{0});
    cfg.set("middleman.heartbeat-interval", caf::timespan{milliseconds(t.heartbeat_ms)});
    cfg.set("middleman.connection-timeout", caf::timespan{milliseconds(t.connection_timeout_ms)});
    if (t.tls.enabled())
      load_tls(t.tls);
    sys.emplace(cfg);
    // What nodes answer is read through Keel's allowlist of wire types, as
    // what a node receives is: a port squatter must not end the client either.
    if (auto problem = message_type_filter_problem(*sys); !problem.empty())
      throw std::runtime_error("client::runtime: " + problem);
    channel = spawn_kv_channel(*sys);
  }

  // The channel must be told to stop: every node it sent to knows it, and
  // CAF keeps an actor that a remote node knows in its registry, so it never
  // becomes unreachable, and the system would wait for it forever.
  ~impl() {
    if (channel)
      caf::anon_send_exit(channel, caf::exit_reason::user_shutdown);
  }

  // Setting any openssl.* option turns on peer verification both ways
  // (field guide §7), so a TLS runtime always authenticates the node.
  void load_tls(const tls_settings& tls) {
    if (tls.cert_file.empty() || tls.key_file.empty())
      throw std::invalid_argument("client::runtime: TLS needs a certificate and its key, not "
                                  "only a CA file");
    cfg.load<caf::openssl::manager>();
    cfg.set("openssl.cafile", tls.ca_file);
    cfg.set("openssl.certificate", tls.cert_file);
    cfg.set("openssl.key", tls.key_file);
    if (!tls.passphrase.empty())
      cfg.set("openssl.passphrase", tls.passphrase);
  }
};

runtime::runtime(const transport_options& opts)
  : impl_(std::make_shared<impl>(opts)) {}

runtime::~runtime() = default;

caf::actor_system& runtime::system() { return *impl_->sys; }

std::shared_ptr<caf::actor_system> runtime::shared_system() const { return {impl_, &*impl_->sys}; }

const caf::actor& runtime::channel() const { return impl_->channel; }

} // namespace keel::client
