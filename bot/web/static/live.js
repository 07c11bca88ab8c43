// The live feed: Server-Sent Events from the bot, each line added as text (never as HTML).
"use strict";
(function () {
  var status = document.getElementById("live-status");
  var feed = document.getElementById("live-feed");
  var totals = document.getElementById("live-totals");
  var empty = document.getElementById("live-empty");
  if (!status || !feed || !window.EventSource) { return; }
  var MAX_LINES = 50;
  var source = new EventSource(status.getAttribute("data-src"));
  source.onopen = function () { status.textContent = status.getAttribute("data-connected"); };
  source.onerror = function () { status.textContent = status.getAttribute("data-disconnected"); };
  source.addEventListener("life", function (message) {
    var line = JSON.parse(message.data);
    var item = document.createElement("li");
    item.className = "ev ev-" + line.kind + " fresh";
    var time = document.createElement("time");
    time.textContent = line.time;
    var text = document.createElement("span");
    text.textContent = line.text;
    item.appendChild(time);
    item.appendChild(document.createTextNode(" "));
    item.appendChild(text);
    feed.insertBefore(item, feed.firstChild);
    while (feed.children.length > MAX_LINES) { feed.removeChild(feed.lastChild); }
    if (line.totals && totals) { totals.textContent = line.totals; }
    if (empty) { empty.hidden = true; }
  });
  window.addEventListener("pagehide", function () { source.close(); });
})();
