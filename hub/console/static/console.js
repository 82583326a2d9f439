/* Kezek console: confirmation of deletions and the live board (Server-Sent Events). */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  var board = document.getElementById("board");
  if (!board || !window.EventSource) {
    return;
  }
  var eventsUrl = board.getAttribute("data-events");
  var fragmentUrl = board.getAttribute("data-fragment");
  var banner = document.getElementById("connection-lost");
  var source = null;
  var retryTimer = null;

  function setOnline(online) {
    if (banner) {
      banner.hidden = online;
    }
    document.body.classList.toggle("is-offline", !online);
  }

  function connect() {
    if (retryTimer) {
      window.clearTimeout(retryTimer);
      retryTimer = null;
    }
    source = new EventSource(eventsUrl);
    source.addEventListener("open", function () {
      setOnline(true);
    });
    source.addEventListener("board", function (event) {
      board.innerHTML = event.data;
      board.setAttribute("data-updates", String(Number(board.getAttribute("data-updates") || 0) + 1));
      setOnline(true);
    });
    // The server ends a stream now and then on purpose: reconnect without alarm.
    source.addEventListener("bye", function () {
      source.close();
      connect();
    });
    source.addEventListener("error", function () {
      setOnline(false);
      if (source.readyState === EventSource.CLOSED) {
        // The browser gave up (e.g. the session ended): find out why, then retry.
        retryTimer = window.setTimeout(recover, 2000);
      }
    });
  }

  function recover() {
    window.fetch(fragmentUrl, { credentials: "same-origin", redirect: "manual" })
      .then(function (response) {
        if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
          window.location.reload();  // signed out: the reload leads to the login page
        } else {
          connect();
        }
      })
      .catch(function () {
        retryTimer = window.setTimeout(recover, 2000);
      });
  }

  connect();
})();
