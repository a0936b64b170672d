// bisk-docs: the sidebar's health dots. Each guide with probes gets a dot in the colour of
// its worst current status, with the same as text for screen readers and the tooltip
// ("3 probes: 1 failing, checked 12 s ago"). A collapsed folder shows one roll-up dot: the
// worst of the guides inside it, in the same words. A dot is only as current as its oldest
// result: once that is older than two probe intervals, or in a `build --snapshot` site, the
// dot is grey ("unknown — last seen 25 s ago", "as of the snapshot 3 h ago").
// The data comes from nav.js (window.BISK_HEALTH and BISK_SNAPSHOT, a `build --snapshot`
// site) and, under `serve`, from the event stream's `status` events, which live.js passes on
// as `bisk:health`; ages use site.js's clock (the server's time where the page knows it).
(function () {
  "use strict";
  var doc = document, sidebar = doc.getElementById("sidebar");
  if (!sidebar) return;
  var base = doc.body.getAttribute("data-root") || "";
  var clock = window.biskClock;
  var snapshot = window.BISK_SNAPSHOT || null;
  var health = {};
  // Worst last, as the server orders statuses (skipped says nothing about the system).
  var RANK = { skipped: 0, pass: 1, warn: 2, fail: 3, error: 4 };

  // The page a sidebar link points at, as nav.js names it (`ops/REDIS_CACHE.html`).
  function pageOf(a) {
    // Without the query: under serve, links carry the reader's target (`?target=prod`).
    var href = (a.getAttribute("href") || "").split("?")[0];
    return href.indexOf(base) === 0 ? href.slice(base.length) : href;
  }
  /* What a dot says after its label, and whether it is grey. */
  function dated(label, at, live) {
    var old = snapshot && !live;
    if (!at || !clock) return { text: label, stale: old };
    var ago = clock.ago(at) || at;
    if (old) return { text: label + ", as of the snapshot " + ago, stale: true };
    if (clock.stale(at)) return { text: "unknown — last seen " + ago + " (" + label + ")", stale: true };
    return { text: label + ", checked " + ago, stale: false };
  }
  function setDot(dot, status, said) {
    if (dot.getAttribute("data-status") !== status) dot.setAttribute("data-status", status);
    if (said.stale !== dot.hasAttribute("data-stale")) dot.toggleAttribute("data-stale", said.stale);
    if (dot.title !== said.text) {
      dot.title = said.text;
      dot.firstChild.textContent = " (" + said.text + ")";
    }
  }
  function newDot(cls) {
    var dot = doc.createElement("span");
    dot.className = cls;
    dot.appendChild(doc.createElement("span")).className = "visually-hidden";
    return dot;
  }
  function paint(a) {
    var h = health[pageOf(a)];
    var dot = a.querySelector(":scope > .health-dot:not(.health-rollup)");
    if (!h || !(h.worst in RANK)) { if (dot) dot.remove(); return; }
    if (!dot) dot = a.appendChild(newDot("health-dot"));
    setDot(dot, h.worst, dated(String(h.label), h.checked_at, h.live));
  }

  /* Every guide under a folder (its own index page excepted: that has its own dot), as
     `[url, title]`, worked out once per folder. */
  function guidesUnder(node) {
    if (node._biskGuides) return node._biskGuides;
    var out = [];
    (function walk(kids) {
      kids.forEach(function (k) {
        if (k.url) out.push([k.url, k.title]);
        walk(k.children || []);
      });
    })(node.children || []);
    node._biskGuides = out;
    return out;
  }
  /* A closed folder's roll-up dot: its worst guide, dated by the oldest result inside. */
  function rollup(li) {
    var node = li._biskNav, row = li.firstChild;
    if (!node || !row) return;
    // Beside the folder's name (its link, or its label without an index page).
    var name = row.querySelector(":scope > a, :scope > .label");
    var btn = row.querySelector(".tog"), dot = name && name.querySelector(":scope > .health-rollup");
    var worst = null, oldest = null, oldestT = Infinity, count = 0, live = true;
    if (btn && btn.getAttribute("aria-expanded") !== "true") {
      guidesUnder(node).forEach(function (g) {
        var h = health[g[0]];
        if (!h || !(h.worst in RANK)) return;
        count++;
        live = live && !!h.live;
        if (!worst || RANK[h.worst] > RANK[worst.h.worst]) worst = { h: h, title: g[1] };
        var t = Date.parse(h.checked_at);
        if (!isNaN(t) && t < oldestT) { oldestT = t; oldest = h.checked_at; }
      });
    }
    if (!worst || !name) { if (dot) dot.remove(); return; }
    if (!dot) dot = name.appendChild(newDot("health-dot health-rollup"));
    var label = (count === 1 ? "1 guide" : count + " guides") + " with probes inside; worst: " +
      worst.title + ", " + worst.h.label;
    setDot(dot, worst.h.worst, dated(label, oldest, live));
  }
  function paintAll() {
    sidebar.querySelectorAll("a[href]").forEach(paint);
    sidebar.querySelectorAll("li").forEach(rollup);
  }
  /* `live`: from the event stream (a snapshot site with --probe-api gets current health
     too), not from the snapshot's map. */
  function merge(pages, live) {
    Object.keys(pages || {}).forEach(function (p) {
      if (pages[p]) { health[p] = pages[p]; health[p].live = live; } else delete health[p];
    });
    paintAll();
  }

  // Folders build their lists when first opened: mark the new links as they appear; a
  // folder opened or closed shows or drops its roll-up.
  new MutationObserver(function (records) {
    records.forEach(function (r) {
      if (r.type === "attributes") {
        var li = r.target.closest("li");
        if (li) rollup(li);
        return;
      }
      r.addedNodes.forEach(function (n) {
        if (n.nodeType !== 1) return;
        if (n.matches("a[href]")) paint(n);
        n.querySelectorAll("a[href]").forEach(paint);
        n.querySelectorAll("li").forEach(rollup);
      });
    });
  }).observe(sidebar, { childList: true, subtree: true, attributes: true, attributeFilter: ["aria-expanded"] });

  doc.addEventListener("bisk:health", function (ev) { merge(ev.detail, true); });
  merge(window.BISK_HEALTH, false);
  // The ages count on, also while the server does not answer.
  setInterval(paintAll, 1000);
})();
