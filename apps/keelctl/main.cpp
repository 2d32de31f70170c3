// keelctl: the command-line client and operator tool of a Keel cluster, in the
// spirit of etcdctl. Parses the command line (CLI11), resolves where the
// cluster is (cluster.conf or --endpoints), and hands over to one command:
// put, get, del, cas, status, members, tree, metrics, fault or cluster. The exit codes
// and the one-line errors follow docs/contract.md.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <variant>
#include <vector>

#include <CLI/CLI.hpp>
#include <unistd.h>

#include "apps/common/executable_dir.hpp"
#include "apps/common/target_flags.hpp"
#include "apps/keelctl/completion.hpp"
#include "apps/keelctl/fault_command.hpp"
#include "apps/keelctl/help_topics.hpp"
#include "apps/keelctl/kv_commands.hpp"
#include "apps/keelctl/members_command.hpp"
#include "apps/keelctl/metrics_command.hpp"
#include "apps/keelctl/report.hpp"
#include "apps/keelctl/status_command.hpp"
#include "apps/keelctl/target.hpp"
#include "apps/keelctl/tree_command.hpp"
#include "apps/keelctl/value_source.hpp"
#include "apps/keelctl/watch.hpp"
#include "apps/launcher/cluster_command.hpp"

namespace {

using namespace keel::keelctl;

// Everything the command line said.
struct command_line {
  std::string config_path = "./cluster.conf";
  std::string endpoints;
  uint32_t timeout_ms = 5000;
  bool json = false;
  keel::client::tls_flags tls;
  kv_command kv;
  std::vector<std::string> cas_args; // KEY EXPECTED NEW, or KEY NEW with --absent
  std::string node;                  // tree --node, cluster NODE
  std::string verb;                  // cluster VERB
  fault_command fault;
  std::string value_file;   // put --file
  bool value_given = false; // put: VALUE was on the command line (it may be empty)
  std::string write_out;    // -w: table, json or simple
  std::string topic;        // help TOPIC
  std::string shell;        // completion SHELL
  watch_settings watch;     // status, members, tree --watch
};

// --watch and its settings, on a command that reports (status, members, tree).
void add_watch(CLI::App* sub, watch_settings& w) {
  sub->add_flag("--watch", w.on, "print the report again every --interval, in place on a terminal");
  sub->add_option("--interval", w.interval_ms, "--watch: milliseconds between reports")
    ->capture_default_str()
    ->check(CLI::Range(100u, 3'600'000u));
  sub
    ->add_option("--count", w.count, "--watch: stop after this many reports (0: until interrupted)")
    ->capture_default_str();
}

CLI::App* add_kv(CLI::App& app, command_line& cl, const std::string& op, const std::string& help) {
  auto* sub = app.add_subcommand(op, help);
  sub->fallthrough();
  sub->callback([&cl, op] { cl.kv.op = op; });
  return sub;
}

// The value of `put`: the VALUE argument, standard input for "-", or --file.
keel::result<std::string, input_error> put_value(const target& t, const command_line& cl) {
  if (!cl.value_file.empty()) {
    std::ifstream in{cl.value_file, std::ios::binary};
    if (!in)
      return input_error{errc::bad_value_source, "cannot open --file " + cl.value_file};
    return read_value(in, value_limit(t), "in file " + cl.value_file);
  }
  if (cl.kv.value == "-")
    return read_value(std::cin, value_limit(t), "on standard input");
  if (!cl.value_given)
    return input_error{errc::bad_value_source, "give VALUE, - (standard input) or --file F"};
  return cl.kv.value;
}

void define(CLI::App& app, command_line& cl) {
  app.require_subcommand(1);
  keel::add_target_flags(app, cl.config_path, cl.endpoints, cl.timeout_ms, cl.json, cl.tls,
                         "deadline of the whole operation, in ms",
                         "machine-readable output (the same as -w json)");
  app
    .add_option("-w,--write-out", cl.write_out,
                "output format: table (the default: aligned, with headers), json (as --json) "
                "or simple (no headers or padding, fields separated by \", \", for scripts)")
    ->check(CLI::IsMember({"table", "json", "simple"}));

  auto* put = add_kv(app, cl, "put",
                     "set KEY to VALUE (linearizable write); VALUE '-' reads it from standard "
                     "input");
  put->add_option("KEY", cl.kv.key)->required();
  auto* value = put->add_option("VALUE", cl.kv.value, "the value, or - for standard input")
                  ->each([&cl](const std::string&) { cl.value_given = true; });
  put->add_option("--file", cl.value_file, "read the value from this file")->excludes(value);
  auto* get
    = add_kv(app, cl, "get", "print the value of KEY (linearizable read); exit 1 if absent");
  get->add_option("KEY", cl.kv.key)->required();
  get->add_flag("--serializable", cl.kv.serializable,
                "read from any replica at once, without a majority: faster, and served where "
                "no majority is left, but possibly stale");
  auto* del = add_kv(app, cl, "del", "delete KEY; exit 1 if it was absent");
  del->add_option("KEY", cl.kv.key)->required();
  auto* cas = add_kv(app, cl, "cas",
                     "compare-and-swap: cas KEY EXPECTED NEW, or cas --absent KEY NEW; "
                     "exit 1 if KEY holds another value");
  cas->add_flag("--absent", cl.kv.absent, "create KEY only if it does not exist");
  cas->add_option("ARGS", cl.cas_args, "KEY EXPECTED NEW (KEY NEW with --absent)")
    ->required()
    ->expected(2, 3);

  auto* status = app.add_subcommand("status", "per node: reachable or not; per shard: role, term, "
                                              "commit and applied index, leader");
  status->fallthrough();
  add_watch(status, cl.watch);
  auto* members = app.add_subcommand("members", "the nodes and what each node's failure detector "
                                                "thinks of the others");
  members->fallthrough();
  add_watch(members, cl.watch);
  auto* tree = app.add_subcommand("tree", "the live supervision tree of one node or of all");
  tree->fallthrough();
  add_watch(tree, cl.watch);
  tree->add_option("--node", cl.node, "only this node (id or host:port)");
  auto* metrics = app.add_subcommand("metrics", "each node's counters and histograms: the text "
                                                "of its Prometheus endpoint");
  metrics->fallthrough();
  metrics->add_option("--node", cl.node, "only this node (id or host:port)");

  auto* fault = app.add_subcommand("fault", "fault injection (refused unless cluster.conf "
                                            "enables fault_injection)");
  fault->fallthrough();
  fault->require_subcommand(1);
  auto* crash = fault->add_subcommand("crash", "crash the actor at PATH on NODE");
  crash->add_option("NODE", cl.fault.node)->required();
  crash->add_option("PATH", cl.fault.path, "supervision path, e.g. /n1/shards/shard-0/storage")
    ->required();
  auto* partition = fault->add_subcommand("partition", "drop all traffic between A and B");
  partition->add_option("A", cl.fault.node)->required();
  partition->add_option("B", cl.fault.peer)->required();
  auto* drop = fault->add_subcommand("drop", "drop PERCENT of the messages between A and B");
  drop->add_option("A", cl.fault.node)->required();
  drop->add_option("B", cl.fault.peer)->required();
  drop->add_option("PERCENT", cl.fault.amount, "0..100; 0 removes the rule")->required();
  auto* delay = fault->add_subcommand("delay", "delay the messages between A and B by MS");
  delay->add_option("A", cl.fault.node)->required();
  delay->add_option("B", cl.fault.peer)->required();
  delay->add_option("MS", cl.fault.amount, "milliseconds; 0 removes the rule")->required();
  auto* heal = fault->add_subcommand("heal", "remove every fault rule on NODE, or on all nodes");
  heal->add_option("NODE", cl.fault.node);
  for (auto* sub : {crash, partition, drop, delay, heal}) {
    sub->fallthrough();
    sub->callback([&cl, sub] { cl.fault.kind = sub->get_name(); });
  }

  auto* cluster = app.add_subcommand(
    "cluster",
    "run the local cluster of cluster.conf: up|down|status|kill|pause|resume|restart [NODE]");
  cluster->fallthrough();
  cluster->add_option("VERB", cl.verb, "up, down, status, kill, pause, resume or restart")
    ->required();
  cluster->add_option("NODE", cl.node, "one node (required for kill, pause, resume, restart)");

  auto* help = app.add_subcommand("help", "keelctl help TOPIC: exit codes, output formats, "
                                          "watching, faults, lost data, completion");
  help->add_option("TOPIC", cl.topic, "one of: " + help_topic_names(", "));
  auto* completion
    = app.add_subcommand("completion", "print a completion script: source <(keelctl completion "
                                       "bash)");
  completion->add_option("SHELL", cl.shell, "bash")->required()->check(CLI::IsMember({"bash"}));
}

// What completion offers after an option or as a positional (completion.hpp).
std::vector<std::pair<std::string, std::string>> completion_words() {
  std::string verbs;
  for (auto v : keel::cluster_verb_names)
    verbs.append(verbs.empty() ? "" : " ").append(v);
  return {{"keelctl -w", "table json simple"},
          {"keelctl --write-out", "table json simple"},
          {"keelctl --config", ""}, // empty: the shell's file names
          {"keelctl --cacert", ""},
          {"keelctl --cert", ""},
          {"keelctl --key", ""},
          {"keelctl put --file", ""},
          {"keelctl cluster", verbs},
          {"keelctl help", help_topic_names(" ")},
          {"keelctl completion", "bash"}};
}

int dispatch(CLI::App& app, command_line& cl) {
  if (cl.json && !cl.write_out.empty() && cl.write_out != "json")
    return fail(std::cerr, exit_usage, "--json and -w " + cl.write_out + " exclude each other");
  cl.json = cl.json || cl.write_out == "json";
  admin_io io{cl.json, std::cout, std::cerr,
              cl.write_out == "simple" ? table_style::simple : table_style::aligned};
  cl.watch.clear_screen = ::isatty(STDOUT_FILENO) == 1;
  if (app.got_subcommand("help")) {
    const char* page = help_page(cl.topic);
    if (!page)
      return fail(std::cerr, exit_usage,
                  "help: no topic '" + cl.topic + "' (topics: " + help_topic_names(", ") + ")");
    std::cout << page;
    return exit_done;
  }
  if (app.got_subcommand("completion")) {
    write_bash_completion(std::cout, app, "keelctl", completion_words());
    return exit_done;
  }
  if (!cl.endpoints.empty() && app.get_option("--config")->count() > 0)
    return fail(std::cerr, exit_usage, "--config and --endpoints exclude each other");
  if (app.got_subcommand("cluster")) {
    if (!cl.endpoints.empty())
      return fail(std::cerr, exit_usage,
                  "cluster: needs a cluster.conf (--config FILE), not --endpoints");
    auto loaded = keel::config::load_cluster_config(cl.config_path);
    if (!loaded)
      return fail(std::cerr, exit_usage, loaded.error().to_string());
    return keel::run_cluster_command(*loaded, cl.config_path, cl.verb, cl.node,
                                     keel::executable_directory(), cl.json, std::cout, std::cerr);
  }
  auto resolved = keel::client::resolve_target(cl.config_path, cl.endpoints, cl.timeout_ms, cl.tls);
  if (!resolved)
    return fail(std::cerr, exit_usage, resolved.error().detail);
  auto& t = *resolved;
  if (app.got_subcommand("status"))
    return refresh(cl.watch, io.out, io.json, "keelctl status", [&] { return run_status(t, io); });
  if (app.got_subcommand("members"))
    return refresh(cl.watch, io.out, io.json, "keelctl members",
                   [&] { return run_members(t, io); });
  if (app.got_subcommand("tree"))
    return refresh(cl.watch, io.out, io.json, "keelctl tree",
                   [&] { return run_tree(t, cl.node, io); });
  if (app.got_subcommand("metrics"))
    return run_metrics(t, cl.node, io);
  if (app.got_subcommand("fault"))
    return run_fault(t, cl.fault, io);
  if (cl.kv.op == "cas") {
    size_t want = cl.kv.absent ? 2 : 3;
    if (cl.cas_args.size() != want)
      return fail(std::cerr, exit_usage,
                  cl.kv.absent ? "cas --absent takes KEY NEW" : "cas takes KEY EXPECTED NEW");
    cl.kv.key = cl.cas_args[0];
    if (!cl.kv.absent)
      cl.kv.expected = cl.cas_args[1];
    cl.kv.value = cl.cas_args.back();
  }
  if (cl.kv.op == "put") {
    auto read = put_value(t, cl);
    if (!read)
      return fail(std::cerr, exit_usage, "put: " + read.error().detail);
    cl.kv.value = std::move(*read);
  }
  return run_kv(t, cl.kv, cl.json, std::cout, std::cerr);
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"keelctl: client and operator tool of a Keel cluster.\n"
               "Exit codes: 0 done, 1 definite negative (no such key, other value), "
               "2 usage error (nothing sent), 3 not applied / unavailable, "
               "4 outcome unknown (timeout, connection lost)."};
  command_line cl;
  define(app, cl);
  if (auto code = keel::parse_command_line(app, argc, argv, "keelctl"))
    return *code;
  return dispatch(app, cl);
}
