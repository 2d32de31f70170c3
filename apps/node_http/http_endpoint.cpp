#include "apps/node_http/http_endpoint.hpp"

#include <chrono>

#include <httplib.h>

#include "caf/all.hpp"

#include "actors/log/logger.hpp"
#include "actors/lookup.hpp"
#include "messages/type_ids.hpp"
#include "supervisors/directory.hpp"

namespace keel::http {

namespace {

// The exposition format's content type (Prometheus' text format 0.0.4).
constexpr const char* prometheus_text = "text/plain; version=0.0.4; charset=utf-8";

void serve_metrics(caf::actor_system& sys, const sup::directory& dir, const http_config& cfg,
                   httplib::Response& res) {
  auto svc = lookup::service(dir, cfg.root_path);
  if (!svc) {
    res.status = 503;
    res.set_content("the client service of node " + cfg.node_id + " is restarting; retry\n",
                    "text/plain");
    return;
  }
  caf::scoped_actor self{sys};
  self->request(svc, std::chrono::seconds(5), metrics_atom_v)
    .receive([&](pb<admin::NodeMetrics>& m) { res.set_content(m->exposition(), prometheus_text); },
             [&](caf::error& err) {
               res.status = 503;
               res.set_content("node " + cfg.node_id
                                 + " did not render its metrics: " + sys.render(err) + "\n",
                               "text/plain");
             });
}

} // namespace

result<std::unique_ptr<http_endpoint>, std::string>
http_endpoint::start(caf::actor_system& sys, std::shared_ptr<sup::directory> dir, http_config cfg,
                     const route_installer& more) {
  std::unique_ptr<http_endpoint> ep{new http_endpoint};
  ep->server_ = std::make_unique<httplib::Server>();
  auto& srv = *ep->server_;
  // Two workers: a scrape and a dashboard poll at once; the work is in the actors.
  srv.new_task_queue = [] { return new httplib::ThreadPool(2); };
  srv.set_read_timeout(5, 0);
  srv.set_write_timeout(5, 0);
  srv.set_payload_max_length(64 * 1024); // only the dashboard posts, and only small JSON
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, with which a
  // second node configured on the same port would share it without a word.
  srv.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  srv.Get("/metrics", [&sys, dir, cfg](const httplib::Request&, httplib::Response& res) {
    serve_metrics(sys, *dir, cfg, res);
  });
  if (more)
    more(srv);
  srv.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.body.empty())
      res.set_content(std::to_string(res.status) + ": " + req.method + " " + req.path
                        + " is not served here (try GET /metrics or GET /)\n",
                      "text/plain");
  });
  if (!srv.bind_to_port(cfg.bind.c_str(), cfg.port))
    return std::string{"cannot listen for HTTP on " + cfg.bind + ":" + std::to_string(cfg.port)
                       + " (port taken, or not an address of this machine): see [[node]] "
                         "http_port and [metrics] bind in cluster.conf"};
  ep->listener_ = std::thread([&srv] { srv.listen_after_bind(); });
  component_logger("node")->info("HTTP endpoint on http://{}:{}/ (metrics at /metrics)", cfg.bind,
                                 cfg.port);
  return ep;
}

http_endpoint::~http_endpoint() {
  server_->stop();
  if (listener_.joinable())
    listener_.join();
}

} // namespace keel::http
