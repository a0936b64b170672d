// bisk-docs: client-side search. The index (built by src/site/search.rs, which documents
// its format) is a small manifest, _static/search-index.js, and parts loaded as queries
// need them: the term shards holding the query's words and the page chunks of the
// results shown. All are injected as <script>s: browsers block data requests to file://
// URLs, but a <script src> loads.
(function () {
  "use strict";
  var doc = document;
  var input = doc.getElementById("search-input");
  var box = doc.getElementById("search-results");
  if (!input || !box) return;
  var base = doc.body.getAttribute("data-root") || "";
  var MAX_RESULTS = 12, PER_PAGE = 3, MAX_EXPANSIONS = 40;
  var idx = null, loading = false, failed = false, stop = {}, cache = {}, firstSec = [];
  var results = [], active = -1, timer = 0, waiting = {}, missing = null;
  // secPage: each section's page. ranked: the last query's ranking, reused while the page
  // chunks its results show are fetched.
  var secPage = null, nSecs = 0, ranked = { query: null, top: null };
  var parts = window.BISK_SEARCH_PARTS = window.BISK_SEARCH_PARTS || {};

  function inject(src, done, fail) {
    var s = doc.createElement("script");
    s.src = src;
    s.onload = done;
    s.onerror = fail;
    doc.head.appendChild(s);
  }
  function load() {
    if (idx || loading) return;
    loading = true;
    inject(base + "_static/search-index.js", function () {
      idx = window.BISK_SEARCH_INDEX;
      loading = false;
      if (!idx || idx.v !== 2) { idx = null; failed = true; return render(); }
      idx.stop.forEach(function (w) { stop[w] = true; });
      for (var p = 0; p < idx.counts.length; p++) { firstSec.push(nSecs); nSecs += idx.counts[p]; }
      secPage = new Int32Array(nSecs);
      for (p = 0; p < idx.counts.length; p++) secPage.fill(p, firstSec[p], firstSec[p] + idx.counts[p]);
      if (input.value) run();
    }, function () { loading = false; failed = true; render(); });
  }
  // A part's data, or null after noting it as missing (the caller gives up this round;
  // `run` fetches every missing part at once, then searches again).
  function part(name) {
    if (parts[name]) return parts[name];
    missing[name] = true;
    return null;
  }
  function fetchParts(names) {
    names.forEach(function (name) {
      if (waiting[name]) return;
      waiting[name] = true;
      inject(base + "_static/search-" + name + ".js?v=" + idx.id, function () {
        delete waiting[name];
        if (!parts[name]) { failed = true; return render(); }
        if (!Object.keys(waiting).length) run();
      }, function () { delete waiting[name]; failed = true; render(); });
    });
  }

  // Same rules as `for_each_term` in src/site/search.rs.
  var CJK_CLASS = "[\\u3040-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\u{20000}-\\u{3ffff}]";
  var CJK = new RegExp(CJK_CLASS, "u");
  var WORD = new RegExp(CJK_CLASS + "|(?:(?!" + CJK_CLASS + ")[\\p{Alphabetic}\\p{N}])+", "gu");
  function tokens(text) {
    return (text.toLowerCase().match(WORD) || []).filter(function (t) {
      return CJK.test(t) || Array.from(t).length <= 32;
    });
  }

  // Same as `ascii_slug` in src/site/search.rs (only used for ASCII headings).
  function slug(heading) {
    return heading.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  }

  // Index of the first element of the sorted `list` (every `step`-th item) not below `x`.
  function lowerBound(list, step, x) {
    var lo = 0, hi = list.length / step;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (list[mid * step] < x) lo = mid + 1; else hi = mid;
    }
    return lo;
  }
  // The last element of the sorted `starts` not above `x` (0 when all are above it).
  function lastAtMost(starts, x) {
    var lo = 0, hi = starts.length - 1;
    while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (starts[mid] <= x) lo = mid; else hi = mid - 1; }
    return lo;
  }
  // The digits of search.rs's `push_number`: 0–31 end a number, 32–63 lead it.
  var DIGIT = new Int8Array(128);
  "0123456789abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVwxyzWXYZ_-".split("").forEach(function (c, i) {
    DIGIT[c.charCodeAt(0)] = i;
  });
  // Calls each(n) for the numbers of str[from, to).
  function numbers(str, from, to, each) {
    for (var j = from, n = 0; j < to; j++) {
      var d = DIGIT[str.charCodeAt(j)];
      if (d >= 32) n = n * 32 + d - 32; else { each(n * 32 + d); n = 0; }
    }
  }
  // Postings of one term: {pages: title-hit page ids, secs: section ids, w: their weights},
  // ids ascending. Typed arrays: a common word is in most of 100,000 sections.
  function postings(shard, terms, i) {
    var key = shard + ":" + i;
    if (cache[key]) return cache[key];
    var post = terms[i * 2 + 1], bar = post.indexOf("|"), pages = [], id = 0, k = 0;
    numbers(post, 0, bar, function (gap) { id += gap; pages.push(id); });
    // At most one section per byte.
    var secs = new Int32Array(post.length - bar), w = new Uint8Array(post.length - bar);
    id = 0;
    numbers(post, bar + 1, post.length, function (v) {
      id += Math.floor(v / 4);
      secs[k] = id;
      w[k++] = v % 4;
    });
    return (cache[key] = { pages: pages, secs: secs.subarray(0, k), w: w.subarray(0, k) });
  }
  // Per query word: title pages and section scores, merged over the terms it matches
  // (one exact term, or up to MAX_EXPANSIONS terms starting with it when it is a prefix),
  // walking the sorted terms across shards. Null when a shard it needs is not loaded.
  function lookup(word, prefix) {
    // Scores by page (title hits) and by section, 0 where none, and the ids that have one.
    var out = { pages: new Float64Array(idx.counts.length), secs: new Float64Array(nSecs),
      pageList: [], secList: [], any: false }, n = 0;
    if (!idx.shards.length) return out;
    var matches = function (term) { return term === word || (prefix && term.lastIndexOf(word, 0) === 0); };
    var shard = lastAtMost(idx.shards, word), terms = part("t" + shard);
    if (!terms) return null;
    var i = lowerBound(terms, 2, word);
    while (n < MAX_EXPANSIONS) {
      if (i >= terms.length / 2) {
        // The next shard is needed only if its first term still matches.
        if (shard + 1 >= idx.shards.length || !matches(idx.shards[shard + 1])) break;
        if (!parts["t" + (shard + 1)]) {
          // Ask at once for every further shard the walk will need: those whose first
          // term still matches, until their terms make up the expansions left.
          for (var j = shard + 1, left = MAX_EXPANSIONS - n;
            j < idx.shards.length && left > 0 && matches(idx.shards[j]); left -= idx.sizes[j++]) part("t" + j);
          return null;
        }
        terms = parts["t" + ++shard];
        i = 0;
        continue;
      }
      var term = terms[i * 2];
      var exact = term === word;
      if (!matches(term)) break;
      var p = postings(shard, terms, i), damp = exact ? 1 : 0.7;
      out.any = true;
      p.pages.forEach(function (pg) {
        if (!out.pages[pg]) out.pageList.push(pg);
        out.pages[pg] = Math.max(out.pages[pg], 10 * damp);
      });
      for (var k = 0; k < p.secs.length; k++) {
        var s = p.secs[k], w = p.w[k], score = (w === 3 ? 6 : 1 + w) * damp;
        if (!out.secs[s]) out.secList.push(s);
        if (!(out.secs[s] >= score)) out.secs[s] = score;
      }
      i++;
      n++;
    }
    return out;
  }

  function search(query) {
    if (ranked.query === query) return show(ranked.top);
    var words = tokens(query), prefixLast = !/\s$/.test(query), lists = [], wait = false;
    words.forEach(function (w, i) {
      var last = i === words.length - 1;
      if (!last || !prefixLast) {
        if (stop[w] || (Array.from(w).length < 2 && !CJK.test(w))) return;
        var exact = lookup(w, false);
        if (exact) lists.push(exact); else wait = true;
      } else {
        var l = lookup(w, true);
        if (!l) wait = true; else if (l.any || !stop[w]) lists.push(l);
      }
    });
    if (wait) return null;
    if (!lists.length) return [];
    // A section matches when every word is in it or in its page's title.
    var pagesHit = new Uint8Array(idx.counts.length), scored = [];
    lists.forEach(function (l) {
      l.pageList.forEach(function (pg) { pagesHit[pg] = 1; });
      l.secList.forEach(function (s) { pagesHit[secPage[s]] = 1; });
    });
    for (var p = 0; p < pagesHit.length; p++) {
      if (!pagesHit[p]) continue;
      var first = firstSec[p], count = idx.counts[p], titleScore = 0, allTitle = true;
      lists.forEach(function (l) { if (l.pages[p]) titleScore += l.pages[p]; else allTitle = false; });
      var found = [];
      for (var s = first; s < first + count; s++) {
        var score = titleScore, ok = true, own = 0;
        for (var k = 0; k < lists.length; k++) {
          var v = lists[k].secs[s];
          if (v) { score += v; own += v; } else if (!lists[k].pages[p]) { ok = false; break; }
        }
        if (ok && own) found.push({ sec: s, score: score });
      }
      if (allTitle) found.push({ sec: first, score: titleScore + 5, top: true });
      found.sort(function (a, b) { return b.score - a.score; });
      found.slice(0, PER_PAGE).forEach(function (f) { scored.push(f); });
    }
    scored.sort(function (a, b) { return b.score - a.score || a.sec - b.sec; });
    ranked = { query: query, top: scored.slice(0, MAX_RESULTS) };
    return show(ranked.top);
  }
  function show(top) {
    var shown = [], wait = false;
    // What results show lives in the page chunks: fetch all the missing ones at once.
    top.forEach(function (f) {
      var p = secPage[f.sec], c = lastAtMost(idx.docs, p), chunk = part("d" + c);
      if (!chunk) { wait = true; return; }
      var page = chunk.pages[p - idx.docs[c]], sec = chunk.secs[f.sec - firstSec[idx.docs[c]]];
      var id = sec[0] === 0 ? slug(sec[1]) : sec[0];
      var anchor = f.top || !id ? "" : "#" + id;
      shown.push({ url: base + page[0] + anchor, title: page[1], heading: f.top ? "" : sec[1], text: sec[2] });
    });
    return wait ? null : shown;
  }

  // Text with the query words marked, built as DOM nodes (index text is never parsed as HTML).
  function marked(text, words) {
    var frag = doc.createDocumentFragment();
    if (!words.length) { frag.appendChild(doc.createTextNode(text)); return frag; }
    var re = new RegExp("(" + words.map(function (w) { return w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }).join("|") + ")", "giu");
    var last = 0, m;
    while ((m = re.exec(text))) {
      if (m.index > last) frag.appendChild(doc.createTextNode(text.slice(last, m.index)));
      var mk = doc.createElement("mark");
      mk.textContent = m[0];
      frag.appendChild(mk);
      last = m.index + m[0].length;
      if (!m[0].length) re.lastIndex++;
    }
    frag.appendChild(doc.createTextNode(text.slice(last)));
    return frag;
  }

  function message(text) {
    var p = doc.createElement("p");
    p.className = "r-empty";
    p.textContent = text;
    box.appendChild(p);
  }
  function render() {
    box.textContent = "";
    active = -1;
    input.removeAttribute("aria-activedescendant");
    var q = input.value.trim();
    if (!q) return close();
    box.hidden = false;
    input.setAttribute("aria-expanded", "true");
    if (failed) return message("The search index could not be loaded.");
    if (!idx || missing) return message("Loading the search index…");
    if (!results.length) return message("No results for “" + q + "”.");
    var words = tokens(q).filter(function (w) { return !stop[w]; });
    results.forEach(function (r, i) {
      var a = doc.createElement("a");
      a.href = r.url;
      a.id = "sr-" + i;
      a.setAttribute("role", "option");
      a.setAttribute("aria-selected", "false");
      var t = doc.createElement("span");
      t.className = "r-title";
      t.appendChild(marked(r.title, words));
      if (r.heading && r.heading !== r.title) {
        var h = doc.createElement("span");
        h.appendChild(doc.createTextNode(" › "));
        h.appendChild(marked(r.heading, words));
        t.appendChild(h);
      }
      a.appendChild(t);
      if (r.text) {
        var x = doc.createElement("span");
        x.className = "r-text";
        x.appendChild(marked(r.text, words));
        a.appendChild(x);
      }
      a.addEventListener("mousemove", function () { select(i); });
      box.appendChild(a);
    });
    select(0);
  }
  function select(i) {
    var items = box.querySelectorAll("a");
    if (!items.length) return;
    active = (i + items.length) % items.length;
    items.forEach(function (a, j) { a.setAttribute("aria-selected", j === active ? "true" : "false"); });
    input.setAttribute("aria-activedescendant", items[active].id);
    items[active].scrollIntoView({ block: "nearest" });
  }
  function close() {
    box.hidden = true;
    input.setAttribute("aria-expanded", "false");
  }
  function run() {
    missing = null;
    if (idx && input.value.trim()) {
      missing = {};
      var found = search(input.value), names = Object.keys(missing);
      if (!found) {
        // Keep the previous results on screen while the parts this query needs arrive.
        fetchParts(names);
        if (results.length && box.querySelector("a")) { missing = null; return; }
        return render();
      }
      missing = null;
      results = found;
    } else {
      results = [];
    }
    render();
  }

  input.addEventListener("focus", function () { load(); if (input.value.trim()) run(); });
  input.addEventListener("input", function () {
    load();
    clearTimeout(timer);
    timer = setTimeout(run, 60);
  });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      if (!box.hidden) { select(active + (ev.key === "ArrowDown" ? 1 : -1)); ev.preventDefault(); }
    } else if (ev.key === "Enter") {
      var items = box.querySelectorAll("a");
      if (items.length) { ev.preventDefault(); window.location.href = items[Math.max(active, 0)].href; close(); }
    } else if (ev.key === "Escape") {
      if (!box.hidden) close(); else { input.value = ""; input.blur(); }
      ev.preventDefault();
    }
  });
  doc.addEventListener("keydown", function (ev) {
    if (ev.key !== "/" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var t = ev.target;
    if (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)) return;
    ev.preventDefault();
    load();
    input.focus();
    input.select();
  });
  doc.addEventListener("click", function (ev) {
    if (!ev.target.closest(".search")) close();
  });
  box.addEventListener("click", function () { close(); });
})();
