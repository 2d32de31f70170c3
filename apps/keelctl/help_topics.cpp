#include "apps/keelctl/help_topics.hpp"

namespace keel::keelctl {

namespace {

struct topic {
  const char* name;
  const char* summary;
  const char* page;
};

const topic topics[] = {
  {"exit-codes", "what each exit code means, so that scripts can tell what happened",
   R"(EXIT CODES
    0  done.
    1  a definite negative answer: get found no such key, del found nothing
       to delete, cas found another value (or, with --absent, a value).
    2  usage error or bad input (an unknown node, a value over
       limits.max_value_bytes, a malformed cluster.conf): nothing was sent.
    3  unavailable: the operation was definitely not applied (no node could
       serve it before --timeout, or every node refused it).
    4  the outcome is unknown: a request may have reached a node and no answer
       came (timeout, connection lost). A write may or may not be applied;
       read it back, or retry it: retries are exactly-once within one
       session, not across keelctl runs.

    Every error is one line on standard error, "keelctl: ...", saying what
    failed and what to do.
)"},
  {"output", "-w table|json|simple, and --json",
   R"(OUTPUT FORMATS
    -w table   the default: aligned columns under a header line.
    -w json    one JSON document per report, on one line (the same as
               --json): status, members and tree carry every field the
               nodes report, numbers as numbers.
    -w simple  for scripts, in the style of etcdctl: no header, no padding,
               no indentation; the fields of each row separated by ", ",
               empty fields kept, so field N is always column N.

    get prints the value alone in every text format (and nothing else, so
    'keelctl get k > file' copies the value). --json and a -w other than json
    exclude each other.
)"},
  {"watch", "status, members and tree --watch",
   R"(WATCHING
    keelctl status --watch [--interval MS] [--count N]
    keelctl members --watch ...
    keelctl tree [--node ID] --watch ...

    Prints the report again every --interval milliseconds (default 1000, at
    least 100). On a terminal each report replaces the last, under a line
    "Every 1.0s: keelctl status  HH:MM:SS"; piped, the reports follow one
    another, each under that line; with --json, one document per line and
    no heading. Stops after --count reports (0, the default: until
    interrupted with Ctrl-C). The exit code is that of the last report.

    Watch the tree while crashing actors with 'keelctl fault crash' to see
    the restart counts go up, or status while killing a leader to see the
    new one elected.
)"},
  {"faults", "keelctl fault: crash, partition, drop, delay, heal",
   R"(FAULT INJECTION
    Refused unless cluster.conf says fault_injection = true (on a TLS
    cluster, keelctl must also present an operator's certificate).

    fault crash NODE PATH      crash the actor at PATH (see 'keelctl tree')
                               on NODE; its supervisor restarts it
    fault partition A B        drop every message between nodes A and B
    fault drop A B PERCENT     drop PERCENT of them (0 removes the rule)
    fault delay A B MS         hold them MS milliseconds (0 removes it)
    fault heal [NODE]          remove every rule on NODE, or on all nodes

    Process faults go through the launcher instead: keelctl cluster kill
    NODE (SIGKILL), pause NODE (SIGSTOP), resume NODE, restart NODE.
    keel-jepsen injects all of these on a seeded schedule and checks the
    history (docs/reliability.md).
)"},
  {"lost-data", "a node whose data directory was lost, and what to do",
   R"(A NODE THAT LOST ITS DATA
    Every data directory has a random incarnation, drawn when it is created.
    The other nodes remember the incarnation of each node they ever talked
    to. A node that comes back with another one (its directory was wiped or
    replaced while it was down) has forgotten the Raft log entries and votes
    the others counted on, so they refuse it: it takes no part in any shard
    and answers no read. keelctl members shows, beside it:

        n3 not connected: node n3 came back with data directory incarnation
        0x..., but its peers last saw incarnation 0x...: ...

    What to do: stop the node, put back its data directory as it was when
    the node last stopped (a copy taken while it was down), start it: it is
    admitted and catches up. Never restore an older copy: it has forgotten
    entries and votes too, and carries the same incarnation, so nobody can
    tell. Without such a copy the node is lost; the other nodes keep serving
    as long as a majority of each shard's replicas is left.
)"},
  {"completion", "bash completion for keelctl",
   R"(COMPLETION
    keelctl completion bash prints a bash completion script made from
    keelctl's own command line: subcommands, options, the values of -w, of
    cluster VERB and of help TOPIC; file names for --config and the TLS
    files. Load it in the current shell:

        source <(keelctl completion bash)

    or install it for everyone:

        keelctl completion bash | sudo tee /etc/bash_completion.d/keelctl
)"},
};

} // namespace

std::string help_topic_names(std::string_view sep) {
  std::string out;
  for (const auto& t : topics) {
    if (!out.empty())
      out += sep;
    out += t.name;
  }
  return out;
}

const char* help_page(std::string_view name) {
  if (name.empty()) {
    static const std::string index = [] {
      std::string s = "keelctl help TOPIC, where TOPIC is one of:\n";
      for (const auto& t : topics) {
        std::string n = t.name;
        s += "    " + n + std::string(n.size() < 12 ? 12 - n.size() : 1, ' ') + t.summary + "\n";
      }
      s += "'keelctl --help' and 'keelctl COMMAND --help' list the commands and their options.\n";
      return s;
    }();
    return index.c_str();
  }
  for (const auto& t : topics)
    if (name == t.name)
      return t.page;
  return nullptr;
}

} // namespace keel::keelctl
