// The Keel dashboard: polls /api/cluster once a second and redraws the shards,
// the nodes' views of each other, the supervision trees and the sparklines.
// No framework and no build step: the file is served as written.
"use strict";

const POLL_MS = 1000;
const HISTORY = 60; // points per sparkline: the last minute

const history = {}; // node id -> [{t, requests, latencySum, latencyCount}]
const restartsSeen = {}; // actor path -> restart count at the last poll
let faultsAllowed = false;

const $ = (sel) => document.querySelector(sel);
const num = (v) => Number(v || 0); // proto3 JSON sends 64-bit integers as strings

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function duration(ms) {
  const s = Math.floor(num(ms) / 1000);
  if (s < 60) return s + "s";
  if (s < 3600) return Math.floor(s / 60) + "m" + (s % 60) + "s";
  return Math.floor(s / 3600) + "h" + Math.floor((s % 3600) / 60) + "m";
}

// -- shards: each shard's leader and term, and its replicas' progress ----------

function shardRows(view) {
  const shards = new Map(); // shard -> {leader, term, replicas: Map(node -> row)}
  for (const node of view.nodes) {
    if (!node.status) continue;
    for (const s of node.status.shards) {
      const sh = shards.get(s.shard) || { leader: "", term: 0, leaderLast: 0, replicas: new Map(), progress: [] };
      shards.set(s.shard, sh);
      sh.replicas.set(node.id, s);
      if (s.role === "leader" && num(s.term) >= sh.term) {
        sh.leader = node.id;
        sh.term = num(s.term);
        sh.leaderLast = num(s.last_index);
        sh.progress = s.progress;
      }
    }
  }
  // A shard whose leader did not answer: the newest term's leader hint, if any.
  for (const sh of shards.values()) {
    if (sh.leader) continue;
    for (const s of sh.replicas.values()) {
      if (num(s.term) >= sh.term) { sh.term = num(s.term); sh.hint = s.leader_id; }
    }
  }
  return [...shards.entries()].sort((a, b) => a[0] - b[0]);
}

function drawShards(view) {
  const body = $("#shards tbody");
  body.replaceChildren();
  for (const [shard, sh] of shardRows(view)) {
    const leader = sh.leader || (sh.hint ? sh.hint + "?" : "none");
    const cells = [];
    for (const [id, s] of [...sh.replicas.entries()].sort()) {
      const p = (sh.progress || []).find((x) => x.node_id === id);
      const lag = p ? sh.leaderLast - num(p.match_index) : null;
      const text = `${id}: ${s.role} @${num(s.applied_index)}` + (lag === null ? "" : `, lag ${lag}`);
      cells.push(el("span", { class: "replica " + (lag > 100 ? "warn" : ""), "data-node": id }, text), " ");
    }
    body.append(el("tr", { "data-shard": String(shard) },
      el("td", {}, shard),
      el("td", { class: "leader " + (sh.leader ? "" : "bad") }, leader),
      el("td", { class: "term" }, sh.term),
      el("td", {}, ...cells)));
  }
}

// -- nodes: reachability, sparklines, and each node's view of its peers --------

function sparkline(points) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 ${HISTORY} 32`);
  svg.setAttribute("preserveAspectRatio", "none");
  const max = Math.max(1e-9, ...points);
  const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
  line.setAttribute("points", points.map((v, i) => `${i + HISTORY - points.length},${31 - (v / max) * 30}`).join(" "));
  svg.append(line);
  return svg;
}

function rates(id) {
  const h = history[id] || [];
  const ops = [], latency = [];
  for (let i = 1; i < h.length; i++) {
    const dt = (h[i].t - h[i - 1].t) / 1000;
    const dn = h[i].requests - h[i - 1].requests;
    const dc = h[i].latencyCount - h[i - 1].latencyCount;
    ops.push(dt > 0 && dn >= 0 ? dn / dt : 0);
    latency.push(dc > 0 ? ((h[i].latencySum - h[i - 1].latencySum) / dc) * 1000 : 0);
  }
  return { ops, latency };
}

function record(view) {
  for (const node of view.nodes) {
    if (!node.counters) continue;
    const h = (history[node.id] = history[node.id] || []);
    h.push({ t: num(view.time_ms), requests: node.counters.requests,
             latencySum: node.counters.latency_sum_s, latencyCount: node.counters.latency_count });
    if (h.length > HISTORY + 1) h.shift();
  }
}

function drawNodes(view) {
  const box = $("#nodes");
  box.replaceChildren();
  for (const node of view.nodes) {
    const card = el("div", { class: "node", "data-node": node.id });
    const state = node.reachable ? el("span", { class: "reachable ok" }, "reachable")
                                 : el("span", { class: "reachable bad" }, "unreachable");
    card.append(el("h3", {}, node.id, el("span", { class: "muted" }, node.address), state));
    if (!node.reachable) {
      card.append(el("div", { class: "muted" }, node.error));
      box.append(card);
      continue;
    }
    const { ops, latency } = rates(node.id);
    const last = (xs) => (xs.length ? xs[xs.length - 1] : 0);
    card.append(el("div", { class: "sparks" },
      el("div", { class: "spark" }, sparkline(ops), `requests/s ${last(ops).toFixed(0)}`),
      el("div", { class: "spark" }, sparkline(latency), `mean latency ${last(latency).toFixed(2)} ms`)));
    if (node.members) {
      const rows = [el("tr", {}, ...["peer", "connected", "phi", "verdict", "faults"].map((h) => el("th", {}, h)))];
      for (const p of node.members.nodes) {
        if (p.self) continue;
        const verdictClass = p.verdict === "alive" ? "ok" : "bad";
        rows.push(el("tr", { "data-peer": p.node_id },
          el("td", {}, p.node_id),
          el("td", { class: p.connected ? "ok" : "bad" }, p.connected ? "yes" : "no"),
          el("td", { class: "phi" }, Number.isFinite(Number(p.phi)) ? Number(p.phi).toFixed(1) : "\u221e"),
          el("td", { class: "verdict " + verdictClass }, `${p.verdict} ${duration(p.verdict_age_ms)}`),
          el("td", { class: "faults" }, (p.faults || []).join(", ") || "-")));
      }
      card.append(el("table", {}, ...rows));
    }
    box.append(card);
  }
}

// -- supervision trees: restarts flash when their count goes up ---------------

function actorItem(a, nodeId) {
  const restarts = num(a.restart_count);
  const before = restartsSeen[a.path];
  restartsSeen[a.path] = restarts;
  const li = el("li", { "data-path": a.path, class: a.running ? "" : "down" });
  if (before !== undefined && restarts > before) li.classList.add("restarted");
  const name = a.path.substring(a.path.lastIndexOf("/") + 1) || a.path;
  const line = el("span", { class: "actor" },
    name, " ",
    el("span", { class: "kind" }, a.kind === "ACTOR_KIND_SUPERVISOR" ? `supervisor ${a.strategy}` : "worker"),
    " restarts ", el("span", { class: "restarts" }, restarts),
    " up ", el("span", { class: "uptime" }, a.running ? duration(a.uptime_ms) : "restarting"));
  if (a.last_exit_reason) line.append(" ", el("span", { class: "exit" }, `last exit: ${a.last_exit_reason}`));
  const crash = el("button", { class: "crash", title: `crash ${a.path}`, disabled: !faultsAllowed }, "\u2716");
  crash.addEventListener("click", () => inject({ kind: "crash", node: nodeId, path: a.path }));
  li.append(line, crash);
  if (a.children && a.children.length) li.append(el("ul", {}, ...a.children.map((c) => actorItem(c, nodeId))));
  return li;
}

function drawTrees(view) {
  const box = $("#tree");
  box.replaceChildren();
  for (const node of view.nodes) {
    const col = el("div", { "data-node": node.id }, el("h3", {}, node.id));
    if (node.tree) col.append(el("ul", {}, actorItem(node.tree, node.id)));
    else col.append(el("div", { class: "bad" }, "no tree: " + node.error));
    box.append(col);
  }
}

// -- faults -----------------------------------------------------------------

async function inject(request) {
  $("#fault-result").textContent = "sending " + request.kind + "...";
  try {
    // The header marks the request as the page's own (apps/node_http/dashboard_routes.cpp).
    const r = await fetch("/api/fault", { method: "POST", headers: { "Content-Type": "application/json", "X-Keel-Dashboard": "1" },
                                          body: JSON.stringify(request) });
    const body = await r.json();
    $("#fault-result").textContent = body.error ||
      body.results.map((x) => `${x.node}: ${x.ok ? "ok" : "refused"} ${x.detail}`).join("; ");
  } catch (e) {
    $("#fault-result").textContent = "failed: " + e;
  }
  poll();
}

function drawFaultControls(view) {
  faultsAllowed = view.faults_allowed;
  $("#faults-off").textContent = faultsAllowed ? "" : "Faults cannot be injected from this page: " + view.faults_off;
  $("#fault-controls").style.display = faultsAllowed ? "" : "none";
  for (const sel of [$("#fault-a"), $("#fault-b")]) {
    if (sel.options.length === view.nodes.length) continue;
    sel.replaceChildren(...view.nodes.map((n) => el("option", { value: n.id }, n.id)));
  }
  if ($("#fault-b").selectedIndex === 0 && view.nodes.length > 1) $("#fault-b").selectedIndex = 1;
}

$("#partition").addEventListener("click", () =>
  inject({ kind: "partition", node: $("#fault-a").value, peer: $("#fault-b").value }));
$("#heal").addEventListener("click", () => inject({ kind: "heal" }));

// -- the loop -----------------------------------------------------------------

async function poll() {
  try {
    const r = await fetch("/api/cluster", { cache: "no-store" });
    const view = await r.json();
    if (!r.ok) throw new Error(view.error || r.status);
    record(view);
    drawFaultControls(view);
    drawShards(view);
    drawNodes(view);
    drawTrees(view);
    const up = view.nodes.filter((n) => n.reachable).length;
    $("#summary").textContent = `${up} of ${view.nodes.length} nodes reachable, ${view.shards} shards, ` +
      `replication ${view.replication_factor}, served by ${view.served_by}`;
    $("#updated").textContent = "updated " + new Date(num(view.time_ms)).toLocaleTimeString();
    document.body.dataset.polls = String(num(document.body.dataset.polls) + 1);
  } catch (e) {
    $("#summary").textContent = "cannot reach the node serving this page: " + e.message;
  }
}

poll();
setInterval(poll, POLL_MS);
