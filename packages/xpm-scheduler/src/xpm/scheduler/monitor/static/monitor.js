// xpm monitor: the page over a workspace. Plain JS, no build step.
// Data: GET /api/state once, then Server-Sent Events from /api/events carry each change.
// The jobs table draws only the rows in view, so 10,000 jobs render as fast as 50.
"use strict";

const ROW_H = 26;
const STATE_ORDER = { running: 0, waiting: 1, failed: 2, done: 3, unscheduled: 4 };
const $ = (id) => document.getElementById(id);

const S = {
  jobs: new Map(), // job id -> summary from the server
  version: -1,
  experiments: [],
  view: null, // {experiment, run} or null for every job of the workspace
  submitted: null, // Map job id -> {tags, depends_on} for the selected run
  tagKeys: [],
  rows: [], // the filtered, sorted rows of the table
  sort: { key: null, dir: 1 },
  filters: {},
  search: "",
  openJob: null,
  pending: [], // changes received before the state arrived
  firstRendered: false,
};

// ---------- formatting ----------
function esc(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
function shortId(id) {
  const [type, ident] = id.split("/");
  return `${type.split(".").pop()}/${(ident || "").slice(0, 8)}`;
}
function fmtTime(t) {
  if (t == null) return "";
  const d = new Date(t * 1000);
  const pad = (n) => String(n).padStart(2, "0");
  const hms = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const today = new Date();
  if (d.toDateString() === today.toDateString()) return hms;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hms}`;
}
function duration(job) {
  if (job.started == null) return null;
  const end = job.ended != null ? job.ended : job.state === "running" ? Date.now() / 1000 : null;
  return end == null ? null : Math.max(0, end - job.started);
}
function fmtDuration(s) {
  if (s == null) return "";
  s = Math.round(s);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(s / 3600);
  return `${h}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
function fmtValue(v) {
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(+v.toPrecision(4));
  if (v == null) return "";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

// ---------- server ----------
async function getJSON(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

function connect() {
  const source = new EventSource("/api/events");
  source.addEventListener("open", () => {
    $("live").textContent = "live";
    $("live").classList.remove("off");
    S.version = -1;
    S.pending = [];
    loadState();
  });
  source.addEventListener("error", () => {
    $("live").textContent = "reconnecting…";
    $("live").classList.add("off");
  });
  source.addEventListener("change", (event) => {
    const change = JSON.parse(event.data);
    if (S.version < 0) S.pending.push(change);
    else applyChange(change);
  });
}

async function loadState() {
  const state = await getJSON("/api/state");
  S.jobs = new Map(state.jobs.map((j) => [j.id, j]));
  S.experiments = state.experiments;
  S.version = state.version;
  $("workdir").textContent = state.workdir;
  if (S.view === null && !S.firstRendered) S.view = latestRun();
  renderSidebar();
  await loadRun();
  const pending = S.pending;
  S.pending = [];
  pending.forEach(applyChange);
  rebuild();
  if (!S.firstRendered) {
    S.firstRendered = true;
    // Milliseconds from navigation to the first full table: what bench/monitor_bench.py reads.
    window.xpmFirstRender = performance.now();
    document.body.dataset.firstRender = String(window.xpmFirstRender);
    document.body.dataset.ready = "1";
  }
}

function latestRun() {
  let best = null;
  for (const exp of S.experiments) {
    for (const run of exp.runs) {
      if (!best || (run.started || 0) > (best.started || 0)) best = run;
    }
  }
  return best ? { experiment: best.experiment, run: best.run } : null;
}

async function loadRun() {
  if (!S.view) {
    S.submitted = null;
    S.tagKeys = [];
    return;
  }
  const q = new URLSearchParams(S.view);
  try {
    const data = await getJSON(`/api/run?${q}`);
    S.submitted = new Map(data.jobs.map((s) => [s.job, s]));
    const keys = new Set();
    for (const s of data.jobs) for (const k of Object.keys(s.tags)) keys.add(k);
    S.tagKeys = [...keys];
  } catch (e) {
    S.submitted = new Map();
    S.tagKeys = [];
  }
}

function applyChange(change) {
  if (change.version <= S.version) return;
  S.version = change.version;
  for (const job of change.jobs) S.jobs.set(job.id, job);
  for (const id of change.removed || []) S.jobs.delete(id);
  if (change.experiments) {
    S.experiments = change.experiments;
    renderSidebar();
  }
  const selected = (change.runs || []).some(
    ([e, r]) => S.view && S.view.experiment === e && S.view.run === r,
  );
  if (selected) loadRun().then(() => rebuild(true));
  else scheduleRebuild();
  if (S.openJob && change.jobs.some((j) => j.id === S.openJob)) refreshJobView();
  if (!$("results-tab").hidden && change.jobs.some((j) => j.state === "done")) scheduleResults();
}

// ---------- sidebar ----------
function renderSidebar() {
  const isAll = S.view === null;
  let html = `<li class="all${isAll ? " selected" : ""}" data-all="1">All jobs <span class="muted">${S.jobs.size}</span></li>`;
  for (const exp of S.experiments) {
    html += `<li class="exp">${esc(exp.name)}</li>`;
    for (const run of [...exp.runs].reverse()) {
      const sel = S.view && S.view.experiment === exp.name && S.view.run === run.run;
      html += `<li class="run${sel ? " selected" : ""}" data-experiment="${esc(exp.name)}" data-run="${esc(run.run)}">
        <span>${esc(run.run)}</span><span class="status ${esc(run.status)}">${esc(run.status)} · ${run.submitted}</span></li>`;
    }
  }
  $("experiments").innerHTML = html;
}

$("experiments").addEventListener("click", async (event) => {
  const li = event.target.closest("li.run, li.all");
  if (!li) return;
  S.view = li.dataset.all ? null : { experiment: li.dataset.experiment, run: li.dataset.run };
  S.filters = {};
  S.sort = { key: null, dir: 1 };
  renderSidebar();
  await loadRun();
  rebuild(true);
  if (!$("results-tab").hidden) loadResults();
});

// ---------- jobs table ----------
function columns() {
  return [
    { key: "state", label: "State", width: 96 },
    { key: "task", label: "Task", width: 150 },
    ...S.tagKeys.map((k) => ({ key: `tag:${k}`, label: k, width: 90, tag: k })),
    { key: "progress", label: "Progress", width: 130 },
    { key: "started", label: "Start", width: 90 },
    { key: "ended", label: "End", width: 90 },
    { key: "duration", label: "Duration", width: 80 },
    { key: "deps", label: "Dependencies", width: 140 },
    { key: "failure", label: "Failure reason", width: 220 },
  ];
}

function placeholder(id) {
  return { id, type: id.split("/")[0], state: "unscheduled", progress: null, started: null, ended: null, failure: null };
}

function makeRows() {
  if (S.submitted) {
    const rows = [];
    let i = 0;
    for (const [id, s] of S.submitted) {
      rows.push({ i: i++, id, job: S.jobs.get(id) || placeholder(id), tags: s.tags, deps: s.depends_on });
    }
    return rows;
  }
  let i = 0;
  return [...S.jobs.values()].map((job) => ({ i: i++, id: job.id, job, tags: {}, deps: [] }));
}

function sortValue(row, key) {
  const job = row.job;
  switch (key) {
    case "state": return STATE_ORDER[job.state];
    case "task": return job.type;
    case "progress": return job.state === "done" ? 1 : job.progress;
    case "started": return job.started;
    case "ended": return job.ended;
    case "duration": return duration(job);
    case "deps": return row.deps.length;
    case "failure": return job.failure;
    default: return row.tags[key.slice(4)];
  }
}

function cellText(row, key) {
  const job = row.job;
  switch (key) {
    case "state": return job.state;
    case "task": return job.type;
    case "progress": return job.progress == null ? "" : `${Math.round(job.progress * 100)}%`;
    case "started": return fmtTime(job.started);
    case "ended": return fmtTime(job.ended);
    case "duration": return fmtDuration(duration(job));
    case "deps": return row.deps.map(shortId).join(" ");
    case "failure": return job.failure || "";
    default: return fmtValue(row.tags[key.slice(4)]);
  }
}

function compare(a, b) {
  if (a == null) return b == null ? 0 : 1;
  if (b == null) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  a = String(a);
  b = String(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

function matcher(key, text) {
  const t = text.trim().toLowerCase();
  const m = /^(<=|>=|<|>|=)\s*(-?[\d.e+-]+)$/.exec(t);
  if (m) {
    const x = parseFloat(m[2]);
    const ops = { "<": (v) => v < x, ">": (v) => v > x, "<=": (v) => v <= x, ">=": (v) => v >= x, "=": (v) => v === x };
    return (row) => typeof sortValue(row, key) === "number" && ops[m[1]](sortValue(row, key));
  }
  return (row) => cellText(row, key).toLowerCase().includes(t);
}

let rebuildQueued = false;
function scheduleRebuild() {
  if (rebuildQueued) return;
  rebuildQueued = true;
  requestAnimationFrame(() => {
    rebuildQueued = false;
    rebuild();
  });
}

function rebuild(header = false) {
  const cols = columns();
  if (header || $("thead").dataset.cols !== cols.map((c) => c.key).join("|")) renderHeader(cols);
  let rows = makeRows();
  const tests = Object.entries(S.filters).filter(([, v]) => v.trim()).map(([k, v]) => matcher(k, v));
  if (S.search.trim()) {
    const q = S.search.trim().toLowerCase();
    tests.push((row) => row.id.toLowerCase().includes(q) || cols.some((c) => cellText(row, c.key).toLowerCase().includes(q)));
  }
  if (tests.length) rows = rows.filter((row) => tests.every((t) => t(row)));
  if (S.sort.key) {
    const { key, dir } = S.sort;
    rows.sort((a, b) => {
      const va = sortValue(a, key);
      const vb = sortValue(b, key);
      if (va == null || vb == null) return compare(va, vb) || a.i - b.i;
      return dir * compare(va, vb) || a.i - b.i;
    });
  }
  S.rows = rows;
  renderCounts();
  renderRows();
  $("view-title").textContent = S.view ? `${S.view.experiment} / ${S.view.run}` : "every job of the workspace";
}

function renderHeader(cols) {
  $("cols").innerHTML = cols.map((c) => `<col style="width:${c.width}px">`).join("");
  const arrow = (c) => (S.sort.key === c.key ? (S.sort.dir > 0 ? " ▲" : " ▼") : "");
  $("thead").innerHTML =
    `<tr class="labels">${cols.map((c) => `<th data-key="${esc(c.key)}" title="Sort by ${esc(c.label)}">${esc(c.label)}${arrow(c)}</th>`).join("")}</tr>` +
    `<tr class="filters">${cols.map((c) => `<th><input data-key="${esc(c.key)}" value="${esc(S.filters[c.key] || "")}" placeholder="filter" aria-label="Filter ${esc(c.label)}"></th>`).join("")}</tr>`;
  $("thead").dataset.cols = cols.map((c) => c.key).join("|");
}

$("thead").addEventListener("click", (event) => {
  const th = event.target.closest("tr.labels th");
  if (!th) return;
  const key = th.dataset.key;
  if (S.sort.key !== key) S.sort = { key, dir: 1 };
  else if (S.sort.dir === 1) S.sort = { key, dir: -1 };
  else S.sort = { key: null, dir: 1 };
  rebuild(true);
});
$("thead").addEventListener("input", (event) => {
  S.filters[event.target.dataset.key] = event.target.value;
  $("table-scroll").scrollTop = 0;
  rebuild();
});
$("search").addEventListener("input", (event) => {
  S.search = event.target.value;
  $("table-scroll").scrollTop = 0;
  rebuild();
});

function renderCounts() {
  const counts = {};
  for (const row of S.rows) counts[row.job.state] = (counts[row.job.state] || 0) + 1;
  const parts = Object.keys(STATE_ORDER)
    .filter((s) => counts[s])
    .map((s) => `<span class="chip ${s}" data-state="${s}" title="Show only ${s}">${s} ${counts[s]}</span>`);
  $("counts").innerHTML = `${parts.join("")}<span class="muted">${S.rows.length} jobs</span>`;
}
$("counts").addEventListener("click", (event) => {
  const chip = event.target.closest(".chip");
  if (!chip) return;
  S.filters.state = S.filters.state === chip.dataset.state ? "" : chip.dataset.state;
  rebuild(true);
});

function cellHTML(row, key) {
  const job = row.job;
  switch (key) {
    case "state": return `<span class="state ${esc(job.state)}">${esc(job.state)}</span>`;
    case "task": return `<span title="${esc(row.id)}">${esc(shortId(row.id))}</span>`;
    case "progress": {
      const f = job.state === "done" ? 1 : job.progress;
      if (f == null) return "";
      const pct = Math.round(f * 100);
      return `<span class="bar"><span style="width:${pct}%"></span></span>${pct}%`;
    }
    case "deps":
      return row.deps.map((d) => `<span class="dep" data-job="${esc(d)}" title="${esc(d)}">${esc(shortId(d))}</span>`).join("");
    case "failure": return job.failure ? `<span class="fail" title="${esc(job.failure)}">${esc(job.failure)}</span>` : "";
    default: return esc(cellText(row, key));
  }
}

let renderQueued = false;
function renderRows() {
  const scroll = $("table-scroll");
  const cols = columns();
  const head = $("thead").offsetHeight;
  const top = Math.max(0, scroll.scrollTop - head);
  const first = Math.max(0, Math.floor(top / ROW_H) - 5);
  const count = Math.ceil(scroll.clientHeight / ROW_H) + 10;
  const last = Math.min(S.rows.length, first + count);
  let html = `<tr style="height:${first * ROW_H}px"></tr>`;
  for (let i = first; i < last; i++) {
    const row = S.rows[i];
    const open = row.id === S.openJob ? " open" : "";
    html += `<tr class="job${open}" data-job="${esc(row.id)}">${cols.map((c) => `<td>${cellHTML(row, c.key)}</td>`).join("")}</tr>`;
  }
  html += `<tr style="height:${(S.rows.length - last) * ROW_H}px"></tr>`;
  $("tbody").innerHTML = html;
}
$("table-scroll").addEventListener("scroll", () => {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    renderRows();
  });
});
window.addEventListener("resize", () => renderRows());
$("tbody").addEventListener("click", (event) => {
  const dep = event.target.closest(".dep");
  const tr = event.target.closest("tr.job");
  if (dep) openJobView(dep.dataset.job);
  else if (tr) openJobView(tr.dataset.job);
});
setInterval(() => {
  if (S.rows.some((r) => r.job.state === "running")) renderRows();
}, 1000);

// ---------- job view ----------
const log = { stream: "out", offset: -1, timer: null, busy: false };

async function openJobView(id) {
  S.openJob = id;
  $("job-view").hidden = false;
  $("jv-title").textContent = shortId(id);
  $("jv-title").title = id;
  $("jv-message").textContent = "";
  $("jv-params").textContent = "";
  renderRows();
  log.offset = -1;
  $("jv-log").textContent = "";
  await refreshJobView();
  pollLog();
}

async function refreshJobView() {
  const id = S.openJob;
  let detail;
  try {
    detail = await getJSON(`/api/job?id=${encodeURIComponent(id)}`);
  } catch (e) {
    $("jv-summary").innerHTML = `<span class="muted">This job has no folder yet.</span>`;
    $("jv-folder").textContent = "";
    $("jv-kill").disabled = true;
    return;
  }
  if (id !== S.openJob) return;
  const submitted = S.submitted && S.submitted.get(id);
  const tags = submitted ? Object.entries(submitted.tags).map(([k, v]) => `${esc(k)}=${esc(fmtValue(v))}`).join(", ") : "";
  const items = [
    ["Job", `<code>${esc(id)}</code>`],
    ["State", `<span class="state ${esc(detail.state)}" id="jv-state">${esc(detail.state)}</span>`],
    ["Tags", tags],
    ["Progress", detail.progress == null ? "" : `${Math.round(detail.progress * 100)}% ${esc(detail.progress_desc || "")}`],
    ["Start", fmtTime(detail.started)],
    ["End", fmtTime(detail.ended)],
    ["Duration", fmtDuration(duration(detail))],
    ["Failure", detail.failure ? `<span class="fail">${esc(detail.failure)}</span>` : ""],
    ["Attempts", (detail.attempts || []).map(esc).join("<br>")],
    ["Process", detail.process ? `<code>${esc(JSON.stringify(detail.process))}</code>` : ""],
    ["Code", envCode(detail.environment)],
    ["Python", detail.environment ? esc(detail.environment.python || "") : ""],
    ["Packages", detail.environment ? esc(Object.entries(detail.environment.packages || {}).map(([k, v]) => `${k} ${v}`).join(", ")) : ""],
  ];
  $("jv-summary").innerHTML = items.filter(([, v]) => v).map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("");
  $("jv-folder").textContent = detail.folder;
  $("jv-kill").disabled = !(detail.state === "running" || detail.state === "waiting");
  const deps = submitted ? submitted.depends_on : [];
  $("jv-deps").innerHTML = deps.length
    ? `Depends on: ${deps.map((d) => `<span class="dep" data-job="${esc(d)}" title="${esc(d)}">${esc(shortId(d))}</span>`).join("")}`
    : "";
  if (!$("jv-params").textContent) $("jv-params").textContent = JSON.stringify(detail.params, null, 2);
}

async function pollLog() {
  clearTimeout(log.timer);
  if (!S.openJob || log.busy) return;
  const id = S.openJob;
  log.busy = true;
  try {
    const q = new URLSearchParams({ id, stream: log.stream, offset: String(log.offset) });
    const chunk = await getJSON(`/api/log?${q}`);
    if (id === S.openJob) {
      const pre = $("jv-log");
      if (log.offset < 0 || chunk.start !== log.offset) pre.textContent = chunk.text;
      else if (chunk.text) pre.textContent += chunk.text;
      if (pre.textContent.length > 400000) pre.textContent = pre.textContent.slice(-300000);
      if (!chunk.exists) pre.textContent = `(no ${log.stream === "out" ? "stdout" : "stderr"} yet)`;
      log.offset = chunk.offset;
      if ($("jv-follow").checked) pre.scrollTop = pre.scrollHeight;
    }
  } catch (e) {
    // the next poll retries
  } finally {
    log.busy = false;
  }
  if (S.openJob) log.timer = setTimeout(pollLog, 500);
}

document.querySelectorAll(".log-tab").forEach((button) =>
  button.addEventListener("click", () => {
    document.querySelectorAll(".log-tab").forEach((b) => b.classList.toggle("active", b === button));
    log.stream = button.dataset.stream;
    log.offset = -1;
    pollLog();
  }),
);
$("jv-close").addEventListener("click", () => {
  S.openJob = null;
  clearTimeout(log.timer);
  $("job-view").hidden = true;
  renderRows();
});
$("jv-deps").addEventListener("click", (event) => {
  const dep = event.target.closest(".dep");
  if (dep) openJobView(dep.dataset.job);
});
$("jv-copy").addEventListener("click", async () => {
  const text = $("jv-folder").textContent;
  try {
    await navigator.clipboard.writeText(text);
  } catch (e) {
    const range = document.createRange();
    range.selectNodeContents($("jv-folder"));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    document.execCommand("copy");
  }
  $("jv-copy").textContent = "Copied";
  setTimeout(() => ($("jv-copy").textContent = "Copy path"), 1500);
});
$("jv-kill").addEventListener("click", async () => {
  const id = S.openJob;
  if (!confirm(`Kill job ${shortId(id)}?\n\nIts process receives SIGTERM (or scancel on SLURM) and the job ends as cancelled.`)) return;
  $("jv-message").textContent = "Sending…";
  const response = await fetch(`/api/kill?id=${encodeURIComponent(id)}`, { method: "POST", credentials: "same-origin" });
  const answer = await response.json();
  $("jv-message").textContent = response.ok ? `${answer.how} sent` : `Not killed: ${answer.error}`;
});

// What the job was submitted from: its task's file and the git state of its repository.
function envCode(env) {
  if (!env) return "";
  const git = env.git;
  const where = git ? ` · git ${esc(String(git.commit || "no commit").slice(0, 10))}${git.branch ? ` (${esc(git.branch)})` : ""}${git.dirty ? " <span class=\"fail\">with uncommitted changes</span>" : ""}` : "";
  return `<code id="jv-code">${esc(env.source || env.script || env.module || "")}</code>${where}`;
}

// ---------- results ----------
const R = { values: {}, tags: {}, sort: { key: "value", dir: -1 } };
let resultsTimer = null;
function scheduleResults() {
  if (resultsTimer) return;
  resultsTimer = setTimeout(() => {
    resultsTimer = null;
    loadResults();
  }, 2000);
}

async function loadResults() {
  const q = new URLSearchParams({ file: $("r-file").value });
  if (S.view) {
    q.set("experiment", S.view.experiment);
    q.set("run", S.view.run);
  }
  try {
    const data = await getJSON(`/api/results?${q}`);
    R.values = data.values;
    R.tags = Object.fromEntries((data.rows || []).map((r) => [r.job, r.tags]));
    $("r-note").textContent = `${Object.keys(R.values).length} jobs wrote ${data.file}`;
  } catch (e) {
    R.values = {};
    R.tags = {};
    $("r-note").textContent = `cannot read ${$("r-file").value}`;
  }
  fillSelect($("r-key"), [...new Set(Object.values(R.values).flatMap(Object.keys))].sort(), ["accuracy"]);
  const varying = S.tagKeys.filter((k) => new Set([...(S.submitted || new Map()).values()].map((s) => fmtValue(s.tags[k]))).size > 1);
  fillSelect($("r-x"), S.tagKeys, [varying[0]]);
  fillSelect($("r-y"), S.tagKeys, [varying[1], varying[0]]);
  drawResults();
}

function fillSelect(select, options, preferred) {
  const keep = select.value;
  select.innerHTML = options.map((o) => `<option>${esc(o)}</option>`).join("");
  const choice = options.includes(keep) ? keep : preferred.find((p) => options.includes(p)) || options[0];
  if (choice !== undefined) select.value = choice;
}

function resultRows() {
  const key = $("r-key").value;
  const rows = [];
  for (const [id, numbers] of Object.entries(R.values)) {
    if (!(key in numbers)) continue;
    const s = S.submitted && S.submitted.get(id);
    rows.push({ id, tags: R.tags[id] || (s ? s.tags : {}), value: numbers[key] });
  }
  return rows;
}

const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
function color(t) {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const c = VIRIDIS[i].map((v, k) => Math.round(v + f * (VIRIDIS[i + 1][k] - v)));
  return [`rgb(${c.join(",")})`, 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2] > 150 ? "#000" : "#fff"];
}
function axisValues(rows, tag) {
  const values = [...new Set(rows.map((r) => fmtValue(r.tags[tag])))];
  const numeric = values.every((v) => v !== "" && !isNaN(Number(v)));
  return values.sort((a, b) => (numeric ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0));
}

function drawResults() {
  const rows = resultRows();
  const xTag = $("r-x").value;
  const yTag = $("r-y").value;
  const canvas = $("heatmap");
  const ctx = canvas.getContext("2d");
  const xs = xTag ? axisValues(rows, xTag) : [""];
  const ys = yTag ? axisValues(rows, yTag) : [""];
  const cells = new Map();
  for (const r of rows) {
    const k = `${fmtValue(r.tags[xTag])}\u0000${fmtValue(r.tags[yTag])}`;
    const c = cells.get(k) || { sum: 0, n: 0 };
    c.sum += r.value;
    c.n += 1;
    cells.set(k, c);
  }
  const means = [...cells.values()].map((c) => c.sum / c.n);
  const lo = Math.min(...means);
  const hi = Math.max(...means);
  const left = 90, top = 24, bottom = 44;
  const cw = Math.max(28, Math.min(90, Math.floor(((canvas.parentElement.clientWidth || 700) - left - 90) / Math.max(1, xs.length))));
  const ch = Math.max(18, Math.min(40, Math.floor(360 / Math.max(1, ys.length))));
  const ratio = window.devicePixelRatio || 1;
  const width = left + cw * xs.length + 90;
  const height = top + ch * ys.length + bottom;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.font = "12px system-ui, sans-serif";
  ctx.textBaseline = "middle";
  ctx.fillStyle = "#1d2530";
  ctx.fillText(`${$("r-key").value || "value"} (mean) by ${xTag} × ${yTag}`, left, 10);
  let drawn = 0;
  ys.forEach((y, j) => {
    ctx.fillStyle = "#1d2530";
    ctx.textAlign = "right";
    ctx.fillText(y, left - 6, top + j * ch + ch / 2);
    xs.forEach((x, i) => {
      const c = cells.get(`${x}\u0000${y}`);
      const px = left + i * cw, py = top + j * ch;
      if (!c) {
        ctx.fillStyle = "#eceff2";
        ctx.fillRect(px + 1, py + 1, cw - 2, ch - 2);
        return;
      }
      const mean = c.sum / c.n;
      const [bg, fg] = color(hi > lo ? (mean - lo) / (hi - lo) : 0.5);
      ctx.fillStyle = bg;
      ctx.fillRect(px + 1, py + 1, cw - 2, ch - 2);
      drawn += 1;
      if (cw >= 40) {
        ctx.fillStyle = fg;
        ctx.textAlign = "center";
        ctx.fillText(fmtValue(+mean.toPrecision(3)), px + cw / 2, py + ch / 2);
      }
    });
  });
  ctx.fillStyle = "#1d2530";
  ctx.textAlign = "center";
  xs.forEach((x, i) => ctx.fillText(x, left + i * cw + cw / 2, top + ys.length * ch + 12));
  ctx.fillText(xTag || "", left + (xs.length * cw) / 2, top + ys.length * ch + 32);
  ctx.save();
  ctx.translate(14, top + (ys.length * ch) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(yTag || "", 0, 0);
  ctx.restore();
  const lx = left + xs.length * cw + 24;
  for (let k = 0; k < 100; k++) {
    ctx.fillStyle = color(1 - k / 99)[0];
    ctx.fillRect(lx, top + (k * ch * ys.length) / 100, 14, (ch * ys.length) / 100 + 1);
  }
  ctx.fillStyle = "#1d2530";
  ctx.textAlign = "left";
  if (means.length) {
    ctx.fillText(fmtValue(+hi.toPrecision(3)), lx + 18, top + 6);
    ctx.fillText(fmtValue(+lo.toPrecision(3)), lx + 18, top + ys.length * ch - 6);
  }
  canvas.dataset.cells = String(drawn);
  drawResultTable(rows);
}

function drawResultTable(rows) {
  const keys = [...S.tagKeys, "job", "value"];
  const { key, dir } = R.sort;
  const val = (r, k) => (k === "value" ? r.value : k === "job" ? r.id : r.tags[k]);
  rows.sort((a, b) => {
    const va = val(a, key), vb = val(b, key);
    if (va == null || vb == null) return compare(va, vb);
    return dir * compare(va, vb);
  });
  const shown = rows.slice(0, 1000);
  const table = $("r-table");
  const label = (k) => (k === "value" ? $("r-key").value || "value" : k);
  table.tHead.innerHTML = `<tr>${keys.map((k) => `<th data-key="${esc(k)}">${esc(label(k))}${k === key ? (dir > 0 ? " ▲" : " ▼") : ""}</th>`).join("")}</tr>`;
  table.tBodies[0].innerHTML = shown
    .map((r) => `<tr>${keys.map((k) => `<td>${k === "job" ? `<span class="dep" data-job="${esc(r.id)}">${esc(shortId(r.id))}</span>` : esc(fmtValue(val(r, k)))}</td>`).join("")}</tr>`)
    .join("");
  if (rows.length > shown.length) $("r-note").textContent += ` (table shows the first ${shown.length} of ${rows.length})`;
}
$("r-table").addEventListener("click", (event) => {
  const th = event.target.closest("th");
  const dep = event.target.closest(".dep");
  if (dep) openJobView(dep.dataset.job);
  if (!th) return;
  const key = th.dataset.key;
  R.sort = R.sort.key === key ? { key, dir: -R.sort.dir } : { key, dir: key === "value" ? -1 : 1 };
  drawResults();
});
["r-key", "r-x", "r-y"].forEach((id) => $(id).addEventListener("change", drawResults));
$("r-load").addEventListener("click", loadResults);
$("r-file").addEventListener("change", loadResults);

// ---------- tabs ----------
document.querySelectorAll(".tab").forEach((button) =>
  button.addEventListener("click", () => {
    document.querySelectorAll(".tab").forEach((b) => b.classList.toggle("active", b === button));
    const results = button.dataset.tab === "results";
    $("jobs-tab").hidden = results;
    $("results-tab").hidden = !results;
    if (results) loadResults();
    else renderRows();
  }),
);

connect();
