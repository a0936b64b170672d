/* Runbook walkthroughs under `bisk-docs serve` (templates walkthrough.html and
   run-start.html). The run lives in its log on the server: this script shows it as it stands
   and sends the operator's actions. Every refusal is written next to the control that caused
   it, in view, and announced (role="alert"). Whatever the server sends goes into the page as
   text (textContent), never as HTML. */
(function () {
  "use strict";
  var doc = document;
  var token = (doc.querySelector('meta[name="bisk-token"]') || {}).content || "";
  var OPERATOR_KEY = "bisk-operator";
  var WORD = { pending: "pending", done: "done", overridden: "done (override)", skipped: "skipped", failed: "failed" };
  var ICON = { pending: "○", done: "✔", overridden: "✔", skipped: "–", failed: "✖" };

  function remembered() { try { return localStorage.getItem(OPERATOR_KEY) || ""; } catch (e) { return ""; } }
  function remember(v) { try { if (v) localStorage.setItem(OPERATOR_KEY, v); } catch (e) { /* private mode */ } }
  function el(tag, cls, text) {
    var e = doc.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = String(text);
    return e;
  }
  function ago(iso) { return (window.biskAgo && window.biskAgo(iso)) || iso || ""; }
  function timeEl(iso) {
    var t = el("time", "ago", ago(iso));
    t.setAttribute("datetime", iso || "");
    var d = new Date(iso);
    if (!isNaN(d)) t.title = d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
    return t;
  }
  /* POST as JSON with the server's token; resolves {ok, status, json}, rejects only when the
     server could not be reached. */
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "content-type": "application/json", "x-bisk-token": token },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) { return { ok: r.ok, status: r.status, json: j }; });
    });
  }
  function say(box, text) {
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
    if (text && box.scrollIntoView) {
      var r = box.getBoundingClientRect();
      if (r.top < 80 || r.bottom > window.innerHeight) box.scrollIntoView({ block: "center" });
    }
  }
  var UNREACHABLE = "The server is unreachable: nothing was recorded. Try again when it is back (the run is kept on the server).";

  /* ---- The start form (run-start.html) ---- */
  var start = doc.getElementById("rb-start");
  if (start) {
    var startBox = start.querySelector(".rb-error");
    if (!start.operator.value) start.operator.value = remembered();
    start.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var op = start.operator.value.trim();
      if (!op) { say(startBox, "Type your name in Operator: the run's record says who did what."); start.operator.focus(); return; }
      remember(op);
      var btn = start.querySelector("button[type=submit]");
      btn.disabled = true;
      btn.textContent = "Checking every probe…";
      post(start.getAttribute("data-api"), { page: start.getAttribute("data-page"), operator: op, target: start.target.value })
        .then(function (r) {
          if (r.ok && r.json.run_id) { location.href = encodeURIComponent(r.json.run_id) + "/"; return; }
          btn.disabled = false; btn.textContent = "Start walkthrough";
          say(startBox, r.json.error || ("The server answered HTTP " + r.status));
        }, function () { btn.disabled = false; btn.textContent = "Start walkthrough"; say(startBox, UNREACHABLE); });
    });
  }

  /* ---- The walkthrough (walkthrough.html) ---- */
  var rb = doc.querySelector(".rb[data-api]");
  if (!rb) return;
  var api = rb.getAttribute("data-api");
  var opInput = doc.getElementById("rb-operator");
  if (opInput && !opInput.hasAttribute("data-signed-in")) {
    // This browser's operator if it has one, else the run's own. (Behind a proxy that
    // signs people in, the field holds the signed-in user and the server uses it anyway.)
    opInput.value = remembered() || rb.getAttribute("data-operator") || "";
    opInput.addEventListener("change", function () { remember(opInput.value.trim()); });
  }
  function operator(box) {
    var v = opInput ? opInput.value.trim() : "";
    if (!v) {
      say(box, "Type your name in Operator (at the top) first: the run's record says who did what.");
      if (opInput) opInput.focus();
      return null;
    }
    if (!opInput.hasAttribute("data-signed-in")) remember(v);
    return v;
  }

  var steps = [].slice.call(doc.querySelectorAll(".rb-step[data-step]"));

  function stepResults(run, s) {
    // A step shows its own latest results, and the run's start snapshot until then.
    if (s.results && s.results.length) return { list: s.results, fromStart: false };
    var ids = s.probes || [];
    var before = (run.before || []).filter(function (r) { return ids.indexOf(r.id) >= 0; });
    return { list: before, fromStart: true };
  }

  /* drawn: the step's widgets as the server drew them (the theme's probe.html), by id. */
  function renderStep(run, s, current, finished, drawn) {
    var sec = doc.getElementById("step-" + s.number);
    if (!sec) return;
    var settled = s.status !== "pending";
    sec.setAttribute("data-status", s.status);
    sec.classList.toggle("current", s.number === current && !finished);
    var state = sec.querySelector(".rb-state");
    state.setAttribute("data-status", s.status);
    state.querySelector(".rb-state-icon").textContent = ICON[s.status] || "?";
    state.querySelector(".rb-state-word").textContent = WORD[s.status] || s.status;
    var who = sec.querySelector(".rb-who");
    who.textContent = "";
    if (settled) {
      who.appendChild(doc.createTextNode("by " + (s.settled_by || "someone") + (s.settled_via ? " (" + s.settled_via + ") " : " ")));
      if (s.settled_at) who.appendChild(timeEl(s.settled_at));
      if (s.reason) who.appendChild(doc.createTextNode(" — " + s.reason));
    } else if (s.reopened && s.reopened.length) {
      var last = s.reopened[s.reopened.length - 1];
      who.appendChild(doc.createTextNode("reopened by " + (last.by || "someone") + " "));
      who.appendChild(timeEl(last.at));
      who.appendChild(doc.createTextNode(" — " + last.reason));
    }
    sec.querySelectorAll("[data-act]").forEach(function (b) {
      var a = b.getAttribute("data-act");
      if (a === "reopen") { b.hidden = !settled || finished; return; }
      if (a === "note") { b.disabled = finished; return; }
      b.disabled = settled || finished;
    });
    var res = stepResults(run, s);
    sec.querySelectorAll(".probe[data-probe-id]").forEach(function (w) {
      var id = w.getAttribute("data-probe-id");
      var r = res.list.filter(function (x) { return x.id === id; })[0];
      if (r && window.biskLive && window.biskLive.render) {
        var shown = Object.assign({}, r, { history: (run.probe_history || {})[id] || [], html: drawn[id] });
        window.biskLive.render(w, shown, { rerun: false, note: res.fromStart ? "at the run's start" : null });
      }
    });
    var boxes = sec.querySelectorAll(".rb-text input[type=checkbox][data-task]");
    boxes.forEach(function (box) {
      var k = Number(box.getAttribute("data-task"));
      var t = (s.tasks || []).filter(function (x) { return x.task === k; })[0];
      if (t) {
        box.checked = t.done;
        box.title = (t.done ? "Ticked" : "Unticked") + " by " + (t.by || "someone") + ", " + ago(t.at);
      }
      box.disabled = finished || box.getAttribute("data-busy") === "1";
    });
    var notes = sec.querySelector(".rb-notes");
    notes.textContent = "";
    run.notes.filter(function (n) { return n.step === s.number; }).forEach(function (n) {
      var li = el("li");
      li.appendChild(el("strong", null, n.by || "someone"));
      li.appendChild(doc.createTextNode(" "));
      li.appendChild(timeEl(n.at));
      li.appendChild(doc.createTextNode(": " + n.text));
      notes.appendChild(li);
    });
  }

  function render(report) {
    var run = report.run;
    var finished = !!run.outcome;
    var current = null, settled = 0, total = run.steps.length;
    run.steps.forEach(function (s) {
      if (s.status !== "pending") settled++;
      else if (current === null) current = s.number;
    });
    run.steps.forEach(function (s) { renderStep(run, s, current, finished, (report.drawn || {})[s.number] || {}); });
    doc.querySelectorAll(".rb-nav li[data-step], .rb-jump li[data-step]").forEach(function (li) {
      var s = run.steps[Number(li.getAttribute("data-step")) - 1];
      if (!s) return;
      li.setAttribute("data-status", s.status);
      var here = s.number === current && !finished;
      li.classList.toggle("current", here);
      var a = li.querySelector("a");
      if (here) a.setAttribute("aria-current", "step"); else a.removeAttribute("aria-current");
      li.querySelector(".rb-nav-icon").textContent = ICON[s.status] || "?";
      li.querySelector(".rb-nav-word").textContent = "(" + (WORD[s.status] || s.status) + ")";
    });
    doc.querySelector(".rb-where").textContent = finished ? "Run " + run.outcome
      : current ? "Step " + current + " of " + total : "All " + total + " steps settled: finish the run";
    doc.querySelector(".rb-count").textContent = " · " + settled + " of " + total + " settled";
    var meter = doc.querySelector(".rb-meter");
    if (meter) { meter.max = total; meter.value = settled; }
    var fin = doc.querySelector(".rb-finish");
    fin.querySelectorAll("[data-act]").forEach(function (b) { b.disabled = finished; });
    fin.querySelector(".rb-outcome").textContent = finished ? "This run is " + run.outcome + "." : "";
    fin.querySelector(".rb-report-link").hidden = !finished;
    if (finished) rb.setAttribute("data-outcome", run.outcome);
  }

  function refresh() {
    return fetch(api, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(render);
  }

  function busy(btn, on, label) {
    if (on) { btn.setAttribute("data-label", btn.textContent); btn.textContent = label || "Working…"; btn.disabled = true; btn.setAttribute("aria-busy", "true"); }
    else { btn.textContent = btn.getAttribute("data-label") || btn.textContent; btn.disabled = false; btn.removeAttribute("aria-busy"); }
  }
  /* Focus a step without jumping: its heading takes the focus, the step its top. */
  function focusStep(sec) {
    var h = sec.querySelector("h2, h3") || sec;
    if (!h.hasAttribute("tabindex")) h.setAttribute("tabindex", "-1");
    sec.scrollIntoView({ block: "start" });
    h.focus({ preventScroll: true });
  }
  function openMore(sec) { var d = sec.querySelector(".rb-more"); if (d) d.open = true; }
  function failing(r) { return r.status === "fail" || r.status === "error"; }

  var NEEDS_REASON = {
    skip: "Give a reason to skip this step (Reason, below).",
    override: "Give a reason to sign off despite the failing probe (Reason, below).",
    reopen: "Give a reason to reopen this step (Reason, below): the record keeps why."
  };

  function act(sec, btn) {
    var n = Number(sec.getAttribute("data-step"));
    var a = btn.getAttribute("data-act");
    var box = sec.querySelector(".rb-error");
    var op = operator(box);
    if (!op) return;
    var reasonInput = sec.querySelector(".rb-reason");
    var reason = reasonInput ? reasonInput.value.trim() : "";
    var base = api + "/steps/" + n;
    var req;
    if (a === "probes") req = post(base + "/probes", { operator: op });
    else if (a === "done") req = post(base + "/done", { operator: op });
    else if (a in NEEDS_REASON) {
      if (!reason) { openMore(sec); say(box, NEEDS_REASON[a]); reasonInput.focus(); return; }
      req = a === "override" ? post(base + "/done", { operator: op, override_reason: reason })
        : post(base + "/" + a, { operator: op, reason: reason });
    } else if (a === "note") {
      var note = sec.querySelector(".rb-note");
      if (!note.value.trim()) { say(box, "Write the note first."); note.focus(); return; }
      req = post(api + "/notes", { operator: op, step: n, text: note.value });
    } else return;
    busy(btn, true, a === "probes" || a === "done" || a === "override" ? "Checking…" : "Saving…");
    req.then(function (r) {
      busy(btn, false);
      if (r.ok) {
        say(box, "");
        if (a === "note") sec.querySelector(".rb-note").value = "";
        if (a === "skip" || a === "override" || a === "reopen") reasonInput.value = "";
      } else if (r.status === 409 && a === "done" && r.json.results) {
        var bad = r.json.results.filter(failing).map(function (x) { return x.title + " (" + x.status.toUpperCase() + ")"; });
        say(box, "Not signed off: " + (bad.join(", ") || "a probe") + " did not pass. Fix it and choose Run probes, or give a reason and choose Done with override.");
        openMore(sec);
      } else {
        say(box, r.json.error || ("The server answered HTTP " + r.status + "."));
      }
      return refresh().then(function () {
        // Signed off: the next step takes the focus (and the view); anything else keeps
        // the focus on the control acted on, not on the page body.
        var next = doc.querySelector(".rb-step.current");
        if (r.ok && (a === "done" || a === "override" || a === "skip") && next && next !== sec) focusStep(next);
        else if (!btn.disabled && !btn.hidden) btn.focus();
        else focusStep(sec);
      });
    }, function () { busy(btn, false); say(box, UNREACHABLE); }).catch(function () {});
  }

  steps.forEach(function (sec) {
    sec.querySelectorAll("[data-act]").forEach(function (b) {
      b.addEventListener("click", function () { act(sec, b); });
    });
    // Task-list items become tickable, numbered as the server numbers them; a step whose
    // text no longer matches the run's (the guide changed) keeps them read-only.
    var boxes = sec.querySelectorAll(".rb-text input[type=checkbox]");
    if (String(boxes.length) !== sec.getAttribute("data-tasks")) return;
    boxes.forEach(function (box, i) {
      box.setAttribute("data-task", String(i + 1));
      box.disabled = false;
      var item = box.closest("li");
      box.setAttribute("aria-label", "Done: " + (item ? item.textContent.trim() : "task " + (i + 1)));
      box.addEventListener("change", function () {
        var err = sec.querySelector(".rb-error");
        var op = operator(err);
        if (!op) { box.checked = !box.checked; return; }
        box.setAttribute("data-busy", "1");
        box.disabled = true;
        post(api + "/steps/" + sec.getAttribute("data-step") + "/tasks/" + (i + 1), { operator: op, done: box.checked })
          .then(function (r) {
            box.removeAttribute("data-busy");
            box.disabled = false;
            if (!r.ok) { box.checked = !box.checked; say(err, r.json.error || ("The server answered HTTP " + r.status + ".")); }
            else say(err, "");
            return refresh().then(function () { box.focus(); });
          }, function () { box.removeAttribute("data-busy"); box.disabled = false; box.checked = !box.checked; say(err, UNREACHABLE); })
          .catch(function () {});
      });
    });
  });

  var fin = doc.querySelector(".rb-finish");
  fin.querySelectorAll("[data-act]").forEach(function (b) {
    b.addEventListener("click", function () {
      var box = fin.querySelector(".rb-error");
      var op = operator(box);
      if (!op) return;
      var body = { operator: op };
      if (b.getAttribute("data-act") === "abandon") {
        var why = fin.querySelector(".rb-abandon").value.trim();
        if (!why) { say(box, "Give a reason to abandon the run."); fin.querySelector(".rb-abandon").focus(); return; }
        body.abandon = why;
      }
      busy(b, true, "Checking every probe…");
      post(api + "/finish", body).then(function (r) {
        busy(b, false);
        say(box, r.ok ? "" : (r.json.error || ("The server answered HTTP " + r.status + ".")));
        return refresh().then(function () {
          if (r.ok) { var link = fin.querySelector(".rb-report-link a"); if (link) link.focus(); }
        });
      }, function () { busy(b, false); say(box, UNREACHABLE); }).catch(function () {});
    });
  });

  /* A run opened (or reloaded) without an anchor opens at its current step. */
  var first = true;
  function poll() {
    if (doc.hidden) return;
    refresh().then(function () {
      var off = doc.getElementById("rb-offline");
      if (off) off.remove();
      if (first) {
        first = false;
        var cur = doc.querySelector(".rb-step.current");
        if (cur && !location.hash && cur !== steps[0]) focusStep(cur);
      }
    }, function () {
      if (doc.getElementById("rb-offline")) return;
      var b = el("p", "rb-offline", "Server unreachable: the run is kept on the server; this page catches up when it is back.");
      b.id = "rb-offline";
      b.setAttribute("role", "status");
      doc.querySelector(".rb-bar").appendChild(b);
    });
  }
  poll();
  setInterval(poll, 3000);
})();
