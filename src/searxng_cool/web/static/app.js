// SearXNG-Cool pages: confirmation of destructive buttons, search type-ahead, playlist reorder.
// Loaded from this server only (the Content-Security-Policy forbids inline scripts).
"use strict";
(function () {
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function api(method, url, body, headers) {
    var h = Object.assign({ "X-CSRF-Token": csrf, "Accept": "application/json" }, headers || {});
    if (body !== undefined) h["Content-Type"] = "application/json";
    return fetch(url, { method: method, headers: h, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body) });
  }

  // Destructive buttons ask first, naming what they will do.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
  });

  // Type-ahead: /api/v1/search as the user types; arrows + Enter or a click picks a result.
  var box = document.getElementById("q");
  var list = document.getElementById("suggestions");
  if (box && list) {
    var timer = null, active = -1, items = [], asked = 0;
    var kinds = { artist: "Artist", album: "Album", track: "Track" };
    function close() { list.hidden = true; box.setAttribute("aria-expanded", "false"); box.removeAttribute("aria-activedescendant"); active = -1; }
    function mark(index) {
      active = index;
      Array.prototype.forEach.call(list.children, function (li, i) { li.setAttribute("aria-selected", i === index ? "true" : "false"); });
      if (index >= 0) box.setAttribute("aria-activedescendant", list.children[index].id);
    }
    function show(found) {
      items = found; list.textContent = "";
      var order = ["artist", "album", "track"];
      items.sort(function (a, b) { return order.indexOf(a.type) - order.indexOf(b.type); });
      items.forEach(function (hit, i) {
        var li = document.createElement("li");
        li.id = "suggestion-" + i; li.setAttribute("role", "option"); li.setAttribute("aria-selected", "false");
        var kind = document.createElement("span"); kind.className = "kind"; kind.textContent = kinds[hit.type];
        li.appendChild(kind);
        li.appendChild(document.createTextNode(hit.name + (hit.artist && hit.type !== "artist" ? " — " + hit.artist : "")));
        li.addEventListener("mousedown", function (e) { e.preventDefault(); go(i); });
        list.appendChild(li);
      });
      list.hidden = items.length === 0; box.setAttribute("aria-expanded", items.length ? "true" : "false"); active = -1;
    }
    function go(i) { var hit = items[i]; if (hit) window.location.href = "/" + hit.type + "s/" + hit.id; }
    box.addEventListener("input", function () {
      clearTimeout(timer);
      var q = box.value.trim();
      if (!q) { close(); return; }
      timer = setTimeout(function () {
        var mine = ++asked;
        api("GET", "/api/v1/search?limit=8&q=" + encodeURIComponent(q)).then(function (r) { return r.ok ? r.json() : { items: [] }; })
          .then(function (page) { if (mine === asked) show(page.items || []); }).catch(close);
      }, 150);
    });
    box.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "ArrowDown") { e.preventDefault(); mark(Math.min(active + 1, items.length - 1)); }
      else if (e.key === "ArrowUp") { e.preventDefault(); mark(Math.max(active - 1, 0)); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); go(active); }
      else if (e.key === "Escape") { close(); }
    });
    box.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  // Playlist reorder: drag a row, or its up/down buttons (keyboard); sent with the version.
  var tracks = document.getElementById("tracks");
  if (tracks && tracks.hasAttribute("data-editable")) {
    var playlist = tracks.getAttribute("data-playlist");
    function move(from, to, focusTitle) {
      if (from === to) return;
      api("POST", "/api/v1/playlists/" + playlist + "/tracks/move", { from_position: from, to_position: to },
          { "If-Match": '"v' + tracks.getAttribute("data-version") + '"' })
        .then(function (r) {
          if (r.status === 412 || r.status === 409) { window.location.href = window.location.pathname + "?stale=1"; return; }
          if (!r.ok) { return r.json().then(function (p) { alert(p.detail || "The move failed."); }); }
          if (focusTitle) sessionStorage.setItem("focus-after-move", focusTitle);
          window.location.href = window.location.pathname;
        });
    }
    var dragged = null;
    tracks.addEventListener("dragstart", function (e) {
      var li = e.target.closest("li[data-position]"); if (!li) return;
      dragged = li; li.classList.add("dragging");
      e.dataTransfer.effectAllowed = "move"; e.dataTransfer.setData("text/plain", li.getAttribute("data-position"));
    });
    tracks.addEventListener("dragend", function () { if (dragged) dragged.classList.remove("dragging"); dragged = null; });
    tracks.addEventListener("dragover", function (e) {
      var li = e.target.closest("li[data-position]"); if (!li || !dragged) return;
      e.preventDefault(); Array.prototype.forEach.call(tracks.children, function (x) { x.classList.remove("over"); }); li.classList.add("over");
    });
    tracks.addEventListener("drop", function (e) {
      var li = e.target.closest("li[data-position]"); if (!li) return;
      e.preventDefault();
      var from = parseInt(e.dataTransfer.getData("text/plain"), 10), to = parseInt(li.getAttribute("data-position"), 10);
      li.classList.remove("over"); move(from, to, null);
    });
    tracks.addEventListener("click", function (e) {
      var button = e.target.closest("button[data-move]"); if (!button) return;
      var li = button.closest("li[data-position]"), from = parseInt(li.getAttribute("data-position"), 10);
      var up = button.getAttribute("data-move") === "up";
      move(from, up ? from - 1 : from + 1, li.getAttribute("data-title") + (up ? " up" : " down"));
    });
    var again = sessionStorage.getItem("focus-after-move");
    if (again) {
      sessionStorage.removeItem("focus-after-move");
      var target = Array.prototype.find.call(tracks.querySelectorAll("button[data-move]"), function (b) { return b.getAttribute("aria-label") === "Move " + again && !b.disabled; });
      if (target) target.focus();
    }
  }
})();
