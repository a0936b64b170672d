// bisk-docs: page behaviour (sidebar from nav.js, light/dark toggle, copy buttons, TOC).
// No framework, no network: works from file:// and under any sub-path.
(function () {
  "use strict";
  var doc = document, root = doc.documentElement, body = doc.body;
  var base = body.getAttribute("data-root") || "";
  var here = body.getAttribute("data-page") || "";
  var CHEVRON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="m9 6 6 6-6 6"/></svg>';

  function el(tag, cls, text) {
    var e = doc.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  // ---- Light/dark: an explicit choice is stored; choosing the system's own scheme forgets it.
  var dark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function current() { return root.dataset.theme || (dark && dark.matches ? "dark" : "light"); }
  var themeBtn = doc.querySelector(".theme-btn");
  if (themeBtn) themeBtn.addEventListener("click", function () {
    var next = current() === "dark" ? "light" : "dark";
    var system = dark && dark.matches ? "dark" : "light";
    try {
      if (next === system) localStorage.removeItem("bisk-theme");
      else localStorage.setItem("bisk-theme", next);
    } catch (e) { /* storage may be disabled (file://, private mode): the toggle still works */ }
    if (next === system) delete root.dataset.theme; else root.dataset.theme = next;
  });

  // ---- Sidebar. Folders render their children only when first opened, so a
  // 10,000-page tree costs a few dozen DOM nodes on a typical page.
  var sidebar = doc.getElementById("sidebar");
  var nav = window.BISK_NAV;
  function contains(node) {
    if (node.url === here) return true;
    for (var i = 0; i < (node.children || []).length; i++) if (contains(node.children[i])) return true;
    return false;
  }
  function buildList(nodes, cls) {
    var ul = el("ul", cls);
    nodes.forEach(function (node) { ul.appendChild(buildItem(node)); });
    return ul;
  }
  function buildItem(node) {
    var li = el("li"), row = el("div", "row"), kids = node.children || [];
    var label;
    if (node.url) {
      label = el("a", null, node.title);
      label.href = base + node.url;
      if (node.url === here) label.setAttribute("aria-current", "page");
    } else {
      label = el("span", "label", node.title);
    }
    if (kids.length) {
      // The folder's part of the tree, for the health dots' roll-up (health.js).
      li._biskNav = node;
      var btn = el("button", "tog");
      btn.type = "button";
      btn.innerHTML = CHEVRON;
      btn.setAttribute("aria-label", node.title);
      btn.setAttribute("aria-expanded", "false");
      btn.addEventListener("click", function () { toggle(li, btn, kids); });
      if (!node.url) label.addEventListener("click", function () { toggle(li, btn, kids); });
      row.appendChild(btn);
      row.appendChild(label);
      li.appendChild(row);
      if (contains(node)) toggle(li, btn, kids);
    } else {
      row.appendChild(el("span", "spacer"));
      row.appendChild(label);
      li.appendChild(row);
    }
    return li;
  }
  function toggle(li, btn, kids) {
    var list = li.querySelector(":scope > ul");
    var open = btn.getAttribute("aria-expanded") !== "true";
    if (open && !list) li.appendChild(list = buildList(kids));
    if (list) list.hidden = !open;
    btn.setAttribute("aria-expanded", open ? "true" : "false");
  }
  if (sidebar && nav) {
    var top = [];
    if (nav.url !== undefined || nav.title) {
      top.push({ title: nav.title || "Home", url: nav.url || "index.html", children: [] });
    }
    sidebar.appendChild(buildList(top.concat(nav.children || []), "top"));
    var cur = sidebar.querySelector('[aria-current="page"]');
    if (cur && cur.scrollIntoView) cur.scrollIntoView({ block: "center" });
    // Left/right arrows close/open the folder whose link or button has focus.
    sidebar.addEventListener("keydown", function (ev) {
      if (ev.key !== "ArrowRight" && ev.key !== "ArrowLeft") return;
      var row = ev.target.closest(".row"), btn = row && row.querySelector(".tog");
      if (!btn) return;
      var open = btn.getAttribute("aria-expanded") === "true";
      if ((ev.key === "ArrowRight") !== open) { btn.click(); ev.preventDefault(); }
    });
  }

  // ---- Narrow screens: the menu button opens the sidebar as a drawer.
  var menuBtn = doc.querySelector(".menu-btn");
  function setNav(open) {
    body.classList.toggle("nav-open", open);
    if (menuBtn) menuBtn.setAttribute("aria-expanded", open ? "true" : "false");
  }
  if (menuBtn) menuBtn.addEventListener("click", function () { setNav(!body.classList.contains("nav-open")); });
  doc.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && body.classList.contains("nav-open")) { setNav(false); menuBtn.focus(); }
  });
  doc.addEventListener("click", function (ev) {
    if (body.classList.contains("nav-open") && !ev.target.closest(".sidebar, .menu-btn")) setNav(false);
  });

  // ---- Copy buttons: the command lines only, without prompts and output.
  function codeText(code) {
    var clone = code.cloneNode(true);
    clone.querySelectorAll(".prompt").forEach(function (p) { p.remove(); });
    // Output lines are marked, then dropped whole, so no blank lines are left behind.
    clone.querySelectorAll(".output").forEach(function (o) {
      o.textContent = o.textContent.split("\n").map(function (l) { return l ? "\u0000" : ""; }).join("\n");
    });
    return clone.textContent.split("\n")
      .filter(function (l) { return l.indexOf("\u0000") < 0 || l.replace(/[\u0000\s]/g, ""); })
      .map(function (l) { return l.replace(/\u0000/g, ""); })
      .join("\n").replace(/\s+$/, "") + "\n";
  }
  function fallbackCopy(text) {
    var ta = el("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.style.cssText = "position:fixed;top:0;left:0;opacity:0";
    body.appendChild(ta);
    ta.select();
    var ok = false;
    try { ok = doc.execCommand("copy"); } catch (e) { ok = false; }
    ta.remove();
    return ok;
  }
  function flash(btn, label) {
    btn.textContent = label;
    btn.classList.toggle("done", label === "Copied");
    clearTimeout(btn._t);
    btn._t = setTimeout(function () { btn.textContent = "Copy"; btn.classList.remove("done"); }, 1600);
  }
  doc.addEventListener("click", function (ev) {
    var btn = ev.target.closest(".codeblock .copy");
    if (!btn) return;
    // The button sits in the block's header; the code is the header's sibling.
    var block = btn.closest(".codeblock");
    var code = block.querySelector("pre code") || block.querySelector("pre");
    if (!code) return;
    var text = codeText(code);
    var done = function () { flash(btn, "Copied"); };
    var fallback = function () { flash(btn, fallbackCopy(text) ? "Copied" : "Press Ctrl+C"); };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
    else fallback();
  });

  // ---- Human times: <time class="ago" datetime="ISO" title="exact"> reads "12 min ago"
  // (the same wording as the server's, src/theme/when.rs) and stays true while the page is open.
  // Ages are counted with the server's clock where the page knows it (the event stream's
  // `hello`, /status/'s data-now): `skew` is how far the browser's clock is behind it.
  var skew = 0, interval = 0;
  function now() { return Date.now() + skew; }
  function ageOf(iso) {
    var t = Date.parse(iso);
    return isNaN(t) ? null : Math.max(0, Math.round((now() - t) / 1000));
  }
  function ago(iso) {
    var t = Date.parse(iso);
    if (isNaN(t)) return null;
    var s = Math.round((now() - t) / 1000), future = s < 0, n = Math.abs(s), text;
    if (n < 5) return "just now";
    if (n < 60) text = n + " s";
    else if (n < 3600) text = Math.floor(n / 60) + " min";
    else if (n < 48 * 3600) text = Math.floor(n / 3600) + " h";
    else text = Math.floor(n / 86400) + " days";
    return future ? "in " + text : text + " ago";
  }
  /* A result is current for two probe intervals (the server refreshes every probe on its
     interval); older, nobody can say what is true now: the surfaces grey it. */
  function stale(iso) {
    var a = ageOf(iso);
    return interval > 0 && a != null && a > 2 * interval;
  }
  function server(nowIso, intervalS) {
    var t = Date.parse(nowIso);
    if (!isNaN(t)) skew = t - Date.now();
    if (intervalS > 0) interval = intervalS;
  }
  window.biskAgo = ago;
  window.biskClock = { now: now, age: ageOf, ago: ago, stale: stale, server: server,
    interval: function () { return interval; } };
  var declared = doc.querySelector("[data-server-now]");
  if (declared) server(declared.getAttribute("data-server-now"), parseFloat(declared.getAttribute("data-interval")));
  /* Server-rendered freshness: `.bisk-fresh[data-at]` gets `data-stale` once its result is
     older than two intervals (the theme's CSS greys it and shows its `.bisk-if-stale`
     words); `.bisk-age[data-at]` reads "(3 h ago)" (a snapshot's age: absent without JS). */
  function freshen() {
    doc.querySelectorAll("time.ago[datetime]").forEach(function (t) {
      var text = ago(t.getAttribute("datetime"));
      if (text && t.textContent !== text) t.textContent = text;
    });
    doc.querySelectorAll(".bisk-age[data-at]").forEach(function (e) {
      var text = ago(e.getAttribute("data-at"));
      text = text ? " (" + text + ")" : "";
      if (e.textContent !== text) e.textContent = text;
    });
    doc.querySelectorAll(".bisk-fresh[data-at]").forEach(function (e) {
      var old = stale(e.getAttribute("data-at"));
      if (old !== e.hasAttribute("data-stale")) e.toggleAttribute("data-stale", old);
    });
  }
  window.biskFreshen = freshen;
  freshen();
  setInterval(freshen, 1000);

  // ---- Tabs (`> [!TAB dev]` blockquotes): the server selects the tab named like the
  // target; the reader's last choice (any page) wins where a group has that tab.
  var TAB_KEY = "bisk-tab";
  function selectTab(group, name) {
    var tabs = group.querySelectorAll('[role="tab"]'), found = false;
    tabs.forEach(function (t) { if (t.getAttribute("data-tab") === name) found = true; });
    if (!found) return false;
    tabs.forEach(function (t) {
      var on = t.getAttribute("data-tab") === name;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      var panel = doc.getElementById(t.getAttribute("aria-controls"));
      if (panel) panel.hidden = !on;
    });
    return true;
  }
  var remembered = null;
  try { remembered = localStorage.getItem(TAB_KEY); } catch (e) {}
  doc.querySelectorAll(".tabs").forEach(function (group) {
    if (remembered) selectTab(group, remembered);
    group.addEventListener("click", function (ev) {
      var t = ev.target.closest('[role="tab"]');
      if (!t) return;
      var name = t.getAttribute("data-tab");
      try { localStorage.setItem(TAB_KEY, name); } catch (e) {}
      doc.querySelectorAll(".tabs").forEach(function (g) { selectTab(g, name); });
    });
    group.addEventListener("keydown", function (ev) {
      if (ev.key !== "ArrowRight" && ev.key !== "ArrowLeft") return;
      var tabs = Array.prototype.slice.call(group.querySelectorAll('[role="tab"]'));
      var i = tabs.indexOf(doc.activeElement);
      if (i < 0) return;
      var next = tabs[(i + (ev.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
      next.focus();
      next.click();
    });
  });

  // ---- Table of contents: highlight the section being read.
  var tocLinks = doc.querySelectorAll(".toc a");
  if (tocLinks.length) {
    var heads = [];
    tocLinks.forEach(function (a) {
      var h = doc.getElementById(decodeURIComponent(a.getAttribute("href").slice(1)));
      if (h) heads.push([h, a]);
    });
    var queued = 0;
    var mark = function () {
      queued = 0;
      var active = heads.length ? heads[0][1] : null;
      for (var i = 0; i < heads.length && heads[i][0].getBoundingClientRect().top < window.innerHeight * 0.3; i++) active = heads[i][1];
      tocLinks.forEach(function (a) { a.classList.toggle("active", a === active); });
    };
    window.addEventListener("scroll", function () { if (!queued) queued = requestAnimationFrame(mark); }, { passive: true });
    mark();
  }
})();
