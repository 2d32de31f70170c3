// keelctl metrics [--node N]: each node's counters, gauges and histograms, the
// same text its HTTP endpoint serves at /metrics (Prometheus format 0.0.4),
// for an operator without Prometheus. As a table: with --node, the node's text
// itself; for every node, one text in which each sample carries a first label
// node="<id>" (still valid exposition, so it can be piped into any Prometheus
// tool); -w simple: one "node, name{labels}, value" line per sample; -w json:
// the families parsed, per node.
#pragma once

#include <string>

#include "apps/keelctl/admin_answers.hpp"

namespace keel::keelctl {

/// Exit 0 if every node asked answered with well-formed text.
int run_metrics(const target& t, const std::string& node, const admin_io& io);

} // namespace keel::keelctl
