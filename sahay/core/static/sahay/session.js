// Warns a signed-in user before the idle sign-out and lets them stay signed in without leaving the page.
// The limits come from data attributes on <body> (the server enforces them; this only warns).
(function () {
  "use strict";
  var body = document.body;
  var idleSeconds = parseFloat(body.getAttribute("data-session-idle-seconds"));
  var warningSeconds = parseFloat(body.getAttribute("data-session-warning-seconds"));
  var keepAliveUrl = body.getAttribute("data-session-keepalive-url");
  var dialog = document.getElementById("session-warning");
  if (!dialog || !keepAliveUrl || !(idleSeconds > 0)) {
    return;
  }
  var stay = document.getElementById("session-warning-stay");
  var text = document.getElementById("session-warning-text");
  var tokenInput = dialog.querySelector("input[name=csrfmiddlewaretoken]");
  var warnTimer = null;
  var expireTimer = null;
  var returnFocusTo = null;

  function hide() {
    dialog.hidden = true;
    if (returnFocusTo && document.contains(returnFocusTo)) {
      returnFocusTo.focus();
    }
    returnFocusTo = null;
  }

  function show() {
    returnFocusTo = document.activeElement;
    dialog.hidden = false;
    stay.focus();
  }

  function expired() {
    // Nothing navigates: what was typed stays on the page for the user to copy.
    text.textContent = text.getAttribute("data-expired-text");
    stay.hidden = true;
    if (dialog.hidden) {
      show();
    }
  }

  function schedule() {
    window.clearTimeout(warnTimer);
    window.clearTimeout(expireTimer);
    var lead = Math.min(warningSeconds > 0 ? warningSeconds : 60, idleSeconds / 2);
    warnTimer = window.setTimeout(show, (idleSeconds - lead) * 1000);
    expireTimer = window.setTimeout(expired, idleSeconds * 1000);
  }

  stay.addEventListener("click", function () {
    stay.disabled = true;
    window
      .fetch(keepAliveUrl, {
        method: "POST",
        credentials: "same-origin",
        redirect: "manual",
        headers: { "X-CSRFToken": tokenInput ? tokenInput.value : "", "X-Requested-With": "XMLHttpRequest" },
      })
      .then(function (response) {
        if (response.status === 204) {
          hide();
          schedule();
        } else {
          expired();
        }
      })
      .catch(expired)
      .finally(function () {
        stay.disabled = false;
      });
  });

  dialog.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !stay.hidden) {
      stay.click();
    }
  });

  schedule();
})();
