/* Live probes and live reload for pages served by `bisk-docs serve`, or built with
   `build --probe-api URL`. A live result arrives with its widget drawn by the server (the
   theme's probe.html, every value escaped there): it is parsed inert and swapped in whole.
   Nothing else the server sends (and so nothing read from Redis) becomes markup here: it
   is put into the page with textContent / attributes only. */
(function () {
  "use strict";
  var body = document.body;
  if (!body) return;
  var meta = function (name) {
    var m = document.querySelector('meta[name="' + name + '"]');
    return m ? m.getAttribute("content") : null;
  };
  var serving = body.hasAttribute("data-live-reload");
  var api = serving ? "" : (meta("bisk-probe-api") || "").replace(/\/+$/, "");
  if (!serving && !api) return;
  var root = body.getAttribute("data-root") || "";
  /* Where the API is: under serve, relative to this page (so a reverse proxy's sub-path
     keeps working); for a static site, the --probe-api server. */
  var base = serving ? root : api + "/";
  var token = meta("bisk-token");
  var page = body.getAttribute("data-page") || "";
  var runMode = !!document.querySelector(".rb[data-api]");
  /* The reader's target, under serve with two or more targets: the one this page was
     rendered for (the URL's `?target=`). Every API call and the event stream name it, so the
     server answers for this reader's target and nobody else's. */
  var switchForm = serving ? document.querySelector("form.target-switch") : null;
  var target = switchForm ? switchForm.getAttribute("data-current") : null;
  var defaultTarget = switchForm ? switchForm.getAttribute("data-default") : null;
  function withTarget(url) {
    if (!target) return url;
    return url + (url.indexOf("?") >= 0 ? "&" : "?") + "target=" + encodeURIComponent(target);
  }
  var widgets = {};
  var results = {};
  var reachable = true;

  var WORDS = { pass: ["✔", "PASS"], warn: ["⚠", "WARN"], fail: ["✖", "FAIL"], error: ["⁉", "ERROR"],
    skipped: ["–", "SKIPPED"], unchecked: ["○", "not checked"], unreachable: ["⊘", "UNREACHABLE"],
    running: ["↻", "RUNNING"], unknown: ["?", "UNKNOWN"] };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = String(text);
    return e;
  }
  /* Ages and staleness come from site.js's clock (the server's time, learnt from `hello`). */
  var clock = window.biskClock || { ago: function () { return ""; }, stale: function () { return false; }, server: function () {} };
  function ago(iso) { return clock.ago(iso) || ""; }

  function setChip(w, status) {
    var chip = w.querySelector(".probe-chip");
    if (!chip) return;
    var word = WORDS[status] || WORDS.error;
    chip.className = "probe-chip probe-chip-" + status;
    var icon = chip.querySelector(".probe-icon"), text = chip.querySelector(".probe-word");
    if (icon) icon.textContent = word[0];
    if (text) text.textContent = word[1];
  }

  /* The server's widget for a result (`html`: the theme's probe.html), as an element of
     this document. DOMParser builds an inert document: nothing in it runs, and the CSP
     allows no inline script or handler anyway. */
  var parser = new DOMParser();
  function drawn(v) {
    if (typeof v.html !== "string") return null;
    var w = parser.parseFromString(v.html, "text/html").body.querySelector(".probe[data-probe-id]");
    return w && w.getAttribute("data-probe-id") === v.id ? document.importNode(w, true) : null;
  }

  /* Puts the server's widget `fresh` in the place of `w` (the same element stays, so
     whoever holds it keeps it): its attributes and content, keeping what the reader did:
     <details> they opened or closed, and the focus. */
  function swap(w, fresh) {
    var open = {};
    w.querySelectorAll("details").forEach(function (d) { open[d.className] = d.open; });
    var active = document.activeElement, focused = active && w.contains(active) && active !== w ? active.className : null;
    Array.prototype.slice.call(w.attributes).forEach(function (a) { w.removeAttribute(a.name); });
    Array.prototype.forEach.call(fresh.attributes, function (a) { w.setAttribute(a.name, a.value); });
    w.replaceChildren.apply(w, Array.prototype.slice.call(fresh.childNodes));
    w.querySelectorAll("details").forEach(function (d) { if (d.className in open) d.open = open[d.className]; });
    if (focused) {
      var again = w.querySelector("." + focused.split(" ")[0]);
      if (again) again.focus();
    }
  }

  /* opts (walkthroughs, which show a run's recorded results): rerun false drops the Re-run
     button (the step has its own), note is said after the time ("at the run's start"). */
  function render(w, v, opts) {
    opts = opts || {};
    var fresh = drawn(v);
    if (!fresh) {
      unreachable(w, "The server sent a result without its widget: its log says why.");
      return;
    }
    results[v.id] = v;
    w._biskResult = v;
    swap(w, fresh);
    var checked = w.querySelector(".probe-checked");
    if (checked && opts.note) checked.appendChild(document.createTextNode(", " + opts.note));
    var btn = w.querySelector(".probe-rerun");
    if (btn && serving && token && opts.rerun !== false) {
      btn.addEventListener("click", function () { rerun(w, v.id, btn); });
    } else if (btn) {
      btn.remove();
    }
    // A response that was in flight when the server went away must not make the widget
    // look live again.
    if (!reachable) unreachable(w, "Server unreachable: showing the last result received.");
    age(w);
  }

  /* Keeps a widget's "checked 12 s ago" true, also while the server is unreachable; a result
     older than two probe intervals turns the widget grey, "unknown — last seen 25 s ago",
     its chip UNKNOWN (the last result stays below, dimmed, and in the chip's title). */
  function age(w) {
    var v = w._biskResult;
    if (!v) return;
    var t = w.querySelector(".probe-ago");
    if (t) {
      var text = ago(v.checked_at);
      if (t.textContent !== text) t.textContent = text;
    }
    var old = clock.stale(v.checked_at);
    if (old === w.hasAttribute("data-stale")) return;
    w.toggleAttribute("data-stale", old);
    var word = w.querySelector(".probe-checked-word"), last = (WORDS[v.status] || WORDS.error)[1];
    if (word) word.textContent = old ? "unknown — last seen " : last + " — checked ";
    var chip = w.querySelector(".probe-chip");
    if (old) {
      setChip(w, "unknown");
      if (chip) chip.title = "last result: " + last;
    } else {
      if (chip) chip.removeAttribute("title");
      setChip(w, reachable ? (WORDS[v.status] ? v.status : "error") : "unreachable");
    }
  }

  function unreachable(w, why) {
    w.classList.add("probe-unreachable");
    // Too old to say anything: it stays UNKNOWN (see `age`).
    setChip(w, w.hasAttribute("data-stale") ? "unknown" : "unreachable");
    var box = w.querySelector(".probe-result");
    if (!box) return;
    box.hidden = false;
    var note = box.querySelector(".probe-offline") || el("p", "probe-offline");
    note.textContent = why;
    if (!note.parentNode) box.insertBefore(note, box.firstChild);
  }

  function fetchJson(url, opts) {
    return fetch(url, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) throw new Error(j.error || ("HTTP " + r.status));
        return j;
      });
    });
  }

  function load(id) {
    var w = widgets[id];
    fetchJson(withTarget(base + "api/probes/" + encodeURIComponent(id))).then(function (v) { render(w, v); }, function (e) {
      unreachable(w, e instanceof TypeError ? "Server unreachable: no live result." : String(e.message));
    });
  }

  function rerun(w, id, btn) {
    btn.disabled = true;
    btn.textContent = "Running…";
    setChip(w, "running");
    fetchJson(withTarget(base + "api/probes/" + encodeURIComponent(id) + "/run"), {
      method: "POST", headers: { "X-Bisk-Token": token || "" }
    }).then(function (v) { render(w, v); }, function (e) {
      btn.disabled = false;
      btn.textContent = "Re-run";
      unreachable(w, "Could not run: " + e.message);
    });
  }

  /* Overlay with build problems, each with its file:line. */
  function problems(list) {
    var o = document.getElementById("bisk-overlay");
    if (!list || !list.length) { if (o) o.remove(); return; }
    if (!o) {
      o = el("div"); o.id = "bisk-overlay"; o.setAttribute("role", "alert");
      document.body.appendChild(o);
    }
    var head = el("div", "bisk-overlay-head");
    head.appendChild(el("strong", null, list.length === 1 ? "1 problem — showing the last good version" :
      list.length + " problems — showing the last good version"));
    var close = el("button", "bisk-overlay-close", "Hide");
    close.type = "button";
    close.addEventListener("click", function () { o.hidden = true; });
    head.appendChild(close);
    var ul = el("ul");
    list.forEach(function (d) {
      var li = el("li", "bisk-problem bisk-problem-" + d.severity);
      li.appendChild(el("code", null, d.file + (d.line ? ":" + d.line : "")));
      li.appendChild(document.createTextNode(" " + d.message));
      ul.appendChild(li);
    });
    o.hidden = false;
    o.replaceChildren(head, ul);
  }

  function offline(on) {
    var b = document.getElementById("bisk-offline");
    if (!on) { if (b) b.remove(); return; }
    if (!b) {
      b = el("div", null, serving ? "Server unreachable — is bisk-docs serve still running? Live results and reload are paused; retrying…"
        : "Probe server unreachable — live results paused; retrying…");
      b.id = "bisk-offline"; b.setAttribute("role", "status");
      document.body.appendChild(b);
    }
    Object.keys(widgets).forEach(function (id) { unreachable(widgets[id], "Server unreachable: showing the last result received."); });
  }

  function swapStyles(files) {
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    files.forEach(function (f) {
      for (var i = 0; i < links.length; i++) {
        var href = links[i].getAttribute("href") || "";
        if (href.split("?")[0].slice(-f.length) === f) links[i].setAttribute("href", href.split("?")[0] + "?v=" + Date.now());
      }
    });
  }

  var es = null, wasDown = false;
  function connect() {
    es = new EventSource(withTarget(base + "api/events?page=" + encodeURIComponent(page)));
    es.addEventListener("hello", function (e) {
      // The server's clock and probe interval: ages are counted with them.
      try { var h = JSON.parse(e.data); clock.server(h.now, h.interval_s); } catch (x) {}
      if (wasDown && serving) { location.reload(); return; }
      reachable = true;
      offline(false);
      if (wasDown) Object.keys(widgets).forEach(load);
      wasDown = false;
    });
    es.addEventListener("reload", function () { if (serving) location.reload(); });
    es.addEventListener("stylesheet", function (e) { try { swapStyles(JSON.parse(e.data).files || []); } catch (x) {} });
    es.addEventListener("problems", function (e) { try { if (serving) problems(JSON.parse(e.data).problems); } catch (x) {} });
    // Every page's health (worst probe status) for the sidebar's dots: health.js draws them.
    es.addEventListener("status", function (e) {
      try { document.dispatchEvent(new CustomEvent("bisk:health", { detail: JSON.parse(e.data).pages })); } catch (x) {}
    });
    es.addEventListener("probe", function (e) {
      try {
        var m = JSON.parse(e.data), v = m.probe;
        if (v && widgets[v.id]) render(widgets[v.id], v);
      } catch (x) {}
    });
    es.onerror = function () {
      if (es.readyState === EventSource.CONNECTING || es.readyState === EventSource.CLOSED) {
        reachable = false;
        wasDown = true;
        offline(true);
        if (es.readyState === EventSource.CLOSED) setTimeout(connect, 2000);
      }
    };
  }

  /* The header's target switcher is the reader's own: choosing a target opens this page
     again with `?target=NAME` and remembers the choice in this browser; the server changes
     nothing for anyone else. Links within the site carry the page's target, so a link
     copied from this page opens the same target for whoever follows it; a bare URL (typed,
     bookmarked) opens the target this browser last chose. */
  var TARGET_KEY = "bisk-target";
  function remember(t) {
    try { if (t === defaultTarget) localStorage.removeItem(TARGET_KEY); else localStorage.setItem(TARGET_KEY, t); } catch (e) {}
  }
  function hrefWithTarget(href, t) {
    var hash = "", i = href.indexOf("#");
    if (i >= 0) { hash = href.slice(i); href = href.slice(0, i); }
    var query = "", j = href.indexOf("?");
    if (j >= 0) { query = href.slice(j + 1); href = href.slice(0, j); }
    var kept = query.split("&").filter(function (p) { return p && p.split("=")[0] !== "target"; });
    kept.push("target=" + encodeURIComponent(t));
    return href + "?" + kept.join("&") + hash;
  }
  /* Links of this site: relative ones (the site's own links are all relative, so it works
     under a proxy's sub-path), not those to another place or only to an anchor here. */
  function carry(a) {
    var href = a.getAttribute("href");
    if (!href || href.charAt(0) === "#" || /^[a-z][a-z0-9+.-]*:|^\/\//i.test(href)) return;
    if (a.classList.contains("target-back")) return;
    var next = hrefWithTarget(href, target);
    if (next !== href) a.setAttribute("href", next);
  }
  if (switchForm && target) {
    var asked = new URLSearchParams(location.search).get("target");
    var chosen = null;
    try { chosen = localStorage.getItem(TARGET_KEY); } catch (e) {}
    var known = Array.prototype.map.call(switchForm.querySelectorAll("option"), function (o) { return o.value; });
    if (!asked && chosen && chosen !== target && known.indexOf(chosen) >= 0) {
      location.replace(hrefWithTarget(location.pathname + location.search + location.hash, chosen));
      return;
    }
    document.querySelectorAll("a[href]").forEach(carry);
    // The sidebar, search results and /status/'s refreshes add links later.
    new MutationObserver(function (records) {
      records.forEach(function (r) {
        r.addedNodes.forEach(function (n) {
          if (n.nodeType !== 1) return;
          if (n.matches("a[href]")) carry(n);
          n.querySelectorAll("a[href]").forEach(carry);
        });
      });
    }).observe(body, { childList: true, subtree: true });
    var switcher = switchForm.querySelector("select");
    switcher.addEventListener("change", function () {
      remember(switcher.value);
      // A new target: the tab choice made for the old one no longer applies.
      try { localStorage.removeItem("bisk-tab"); } catch (e) {}
      location.assign(hrefWithTarget(location.pathname + location.search + location.hash, switcher.value));
    });
    // Without scripts the form submits `?target=` itself; with them the change does.
    switchForm.addEventListener("submit", function (ev) { ev.preventDefault(); });
    document.querySelectorAll(".target-back").forEach(function (a) {
      a.addEventListener("click", function () { remember(a.getAttribute("data-target")); });
    });
  }

  // A walkthrough shows the run's recorded results (runbook.js), not the live ones.
  if (!runMode) document.querySelectorAll(".probe[data-probe-id]").forEach(function (w) {
    widgets[w.getAttribute("data-probe-id")] = w;
  });
  Object.keys(widgets).forEach(load);
  connect();
  // Every widget's age, each second, whether or not the server answers.
  setInterval(function () {
    document.querySelectorAll(".probe[data-probe-id]").forEach(age);
  }, 1000);
  window.biskLive = { results: results, render: render };
})();
