// dtu twin views: live refresh and small conveniences. No dependencies, no external requests.
// With <body data-live>, the page asks for its own address with ?frag=1 about once a second,
// sending the content's ETag; the server answers 304 while the world is unchanged, or the new
// content, which replaces #dtu-content while keeping scroll positions, open <details> and the
// reader's text selection (a swap waits while text is selected inside the content).
(function () {
  "use strict";
  var content = document.getElementById("dtu-content");
  if (!content) return;

  function stickToBottom(root) {
    root.querySelectorAll("[data-stick-bottom]").forEach(function (el) { el.scrollTop = el.scrollHeight; });
  }

  function formulaBar(root) {
    var hint = root.querySelector(".gs-fx-hint");
    var grid = root.querySelector(".gs-grid");
    if (!hint || !grid) return;
    grid.addEventListener("mouseover", function (ev) {
      var cell = ev.target.closest ? ev.target.closest("td") : null;
      if (!cell) return;
      var f = cell.classList.contains("f") ? cell.getAttribute("title") : "";
      hint.textContent = (cell.getAttribute("data-cell") || "") + (f ? "  " + f : "  " + cell.textContent);
    });
  }

  stickToBottom(content);
  formulaBar(content);
  if (!document.body.hasAttribute("data-live")) return;

  var badge = document.getElementById("dtu-live");
  var etag = content.getAttribute("data-etag") || "";
  var lastText = null;
  var delay = 1000;
  var timer = null;

  function selecting() {
    var sel = window.getSelection ? window.getSelection() : null;
    return !!(sel && !sel.isCollapsed && sel.anchorNode && content.contains(sel.anchorNode));
  }

  function remember() {
    var state = { scroll: {}, bottom: {}, open: [], x: window.scrollX, y: window.scrollY };
    content.querySelectorAll("[data-keep-scroll]").forEach(function (el) {
      var key = el.getAttribute("data-keep-scroll");
      state.scroll[key] = [el.scrollLeft, el.scrollTop];
      state.bottom[key] = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    });
    content.querySelectorAll("details").forEach(function (d, i) { if (d.open) state.open.push(i); });
    return state;
  }

  function restore(state) {
    content.querySelectorAll("[data-keep-scroll]").forEach(function (el) {
      var key = el.getAttribute("data-keep-scroll");
      if (el.hasAttribute("data-stick-bottom") && (state.bottom[key] || !(key in state.scroll))) {
        el.scrollTop = el.scrollHeight;
      } else if (key in state.scroll) {
        el.scrollLeft = state.scroll[key][0];
        el.scrollTop = state.scroll[key][1];
      }
    });
    var all = content.querySelectorAll("details");
    state.open.forEach(function (i) { if (all[i]) all[i].open = true; });
    window.scrollTo(state.x, state.y);
  }

  function mark(ok, text) {
    if (!badge) return;
    badge.classList.toggle("stale", !ok);
    badge.textContent = text;
  }

  function schedule() {
    clearTimeout(timer);
    if (!document.hidden) timer = setTimeout(poll, delay);
  }

  function poll() {
    var url = new URL(window.location.href);
    url.hash = "";
    url.searchParams.set("frag", "1");
    var headers = {};
    if (etag) headers["If-None-Match"] = etag;
    fetch(url.toString(), { headers: headers, cache: "no-store", credentials: "same-origin", redirect: "error" })
      .then(function (resp) {
        if (resp.status === 304) { mark(true, "live"); delay = 1000; return null; }
        if (!resp.ok) {
          mark(false, resp.status === 404 ? "world gone" : resp.status === 401 ? "logged out" : "error " + resp.status);
          delay = Math.min(delay * 2, 10000);
          return null;
        }
        var tag = resp.headers.get("ETag") || "";
        return resp.text().then(function (text) {
          mark(true, "live");
          delay = 1000;
          if ((tag && tag === etag) || text === lastText) return;
          if (selecting()) return;  // try again next time, without the new tag
          var state = remember();
          content.innerHTML = text;
          restore(state);
          formulaBar(content);
          etag = tag;
          lastText = text;
          content.setAttribute("data-etag", tag);
          document.dispatchEvent(new CustomEvent("dtu:refreshed"));
        });
      })
      .catch(function () { mark(false, "offline"); delay = Math.min(delay * 2, 10000); })
      .then(schedule);
  }

  document.addEventListener("visibilitychange", function () { if (!document.hidden) { delay = 1000; schedule(); } });
  schedule();
})();
