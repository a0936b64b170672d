// /status/: every `data-refresh` seconds, fetch the page again and swap in its new content,
// so the verdicts stay current without a reload that would reset the search box, the
// sidebar, the scroll position or the theme. Skipped while the tab is hidden or someone is
// typing in the search box; without scripts, a <noscript> meta refresh does the same.
// While the server does not answer, the content stays and its ages keep counting (site.js):
// older than two probe intervals, each result turns grey, "unknown — last seen … ago".
(function () {
  "use strict";
  var article = document.querySelector(".status-page[data-refresh]");
  if (!article || !window.fetch || !window.DOMParser) return;
  var every = Math.max(2, parseInt(article.getAttribute("data-refresh"), 10) || 5) * 1000;
  function busy() {
    var a = document.activeElement;
    return document.hidden || (a && a.id === "search-input");
  }
  function refresh() {
    if (busy()) return;
    fetch(location.href, { cache: "no-store", credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var next = new DOMParser().parseFromString(html, "text/html").querySelector(".status-page[data-refresh]");
        var now = document.querySelector(".status-page[data-refresh]");
        if (next && now) {
          now.replaceWith(document.importNode(next, true));
          // The new content's server time and interval, then its ages at once.
          if (window.biskClock) window.biskClock.server(next.getAttribute("data-server-now"), parseFloat(next.getAttribute("data-interval")));
          if (window.biskFreshen) window.biskFreshen();
        }
      })
      .catch(function () {});
  }
  setInterval(refresh, every);
})();
