// bisk-docs: the sidebar's health dots. Each guide with probes gets a dot in the colour of
// its worst current status, with the same as text for screen readers ("3 probes: 1 failing").
// The data comes from nav.js (window.BISK_HEALTH, a `build --snapshot` site) and, under
// `serve`, from the event stream's `status` events, which live.js passes on as `bisk:health`.
(function () {
  "use strict";
  var doc = document, sidebar = doc.getElementById("sidebar");
  if (!sidebar) return;
  var base = doc.body.getAttribute("data-root") || "";
  var health = {};
  var KNOWN = { pass: 1, warn: 1, fail: 1, error: 1, skipped: 1 };

  // The page a sidebar link points at, as nav.js names it (`ops/REDIS_CACHE.html`).
  function pageOf(a) {
    // Without the query: under serve, links carry the reader's target (`?target=prod`).
    var href = (a.getAttribute("href") || "").split("?")[0];
    return href.indexOf(base) === 0 ? href.slice(base.length) : href;
  }
  function paint(a) {
    var h = health[pageOf(a)];
    var dot = a.querySelector(".health-dot");
    if (!h || !KNOWN[h.worst]) { if (dot) dot.remove(); return; }
    if (!dot) {
      dot = doc.createElement("span");
      dot.className = "health-dot";
      dot.appendChild(doc.createElement("span")).className = "visually-hidden";
      a.appendChild(dot);
    }
    dot.setAttribute("data-status", h.worst);
    dot.title = String(h.label);
    dot.firstChild.textContent = " (" + String(h.label) + ")";
  }
  function paintAll() {
    sidebar.querySelectorAll("a[href]").forEach(paint);
  }
  function merge(pages) {
    Object.keys(pages || {}).forEach(function (p) {
      if (pages[p]) health[p] = pages[p]; else delete health[p];
    });
    paintAll();
  }

  // Folders build their lists when first opened: mark the new links as they appear.
  new MutationObserver(function (records) {
    records.forEach(function (r) {
      r.addedNodes.forEach(function (n) {
        if (n.nodeType !== 1) return;
        if (n.matches("a[href]")) paint(n);
        n.querySelectorAll("a[href]").forEach(paint);
      });
    });
  }).observe(sidebar, { childList: true, subtree: true });

  doc.addEventListener("bisk:health", function (ev) { merge(ev.detail); });
  merge(window.BISK_HEALTH);
})();
