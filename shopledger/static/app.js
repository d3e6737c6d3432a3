// ShopLedger's few behaviours that need a script. Everything works without it; this only makes it nicer.
(function () {
  "use strict";

  // Toasts leave by themselves after a while, errors stay until closed.
  function settleToasts(root) {
    root.querySelectorAll(".toast:not([data-settled])").forEach(function (toast) {
      toast.setAttribute("data-settled", "");
      var close = toast.querySelector("[data-dismiss]");
      if (close) close.addEventListener("click", function () { toast.remove(); });
      if (!toast.classList.contains("error")) {
        setTimeout(function () {
          toast.classList.add("leaving");
          setTimeout(function () { toast.remove(); }, 400);
        }, 5000);
      }
    });
  }

  // Show or hide a password field's text.
  function wirePasswordToggles(root) {
    root.querySelectorAll("[data-reveal]:not([data-wired])").forEach(function (button) {
      button.setAttribute("data-wired", "");
      button.hidden = false;
      button.addEventListener("click", function () {
        var input = document.getElementById(button.getAttribute("data-reveal"));
        var showing = input.type === "text";
        input.type = showing ? "password" : "text";
        button.textContent = showing ? button.dataset.show : button.dataset.hide;
        button.setAttribute("aria-pressed", String(!showing));
      });
    });
  }

  // Copy a link to the clipboard; share it through the phone's share sheet where there is one.
  function wireCopyAndShare(root) {
    root.querySelectorAll("[data-copy]:not([data-wired])").forEach(function (button) {
      button.setAttribute("data-wired", "");
      button.hidden = false;
      button.addEventListener("click", function () {
        var input = document.getElementById(button.getAttribute("data-copy"));
        var done = function () { button.textContent = button.dataset.copied; };
        if (navigator.clipboard) {
          navigator.clipboard.writeText(input.value).then(done, function () { input.select(); });
        } else {
          input.select();
          document.execCommand("copy");
          done();
        }
      });
    });
    root.querySelectorAll("[data-share]:not([data-wired])").forEach(function (button) {
      button.setAttribute("data-wired", "");
      if (!navigator.share) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.share({ title: button.dataset.title, text: button.dataset.text, url: button.dataset.share })
          .catch(function () { /* the person closed the share sheet */ });
      });
    });
  }

  // A select that saves itself still has a submit button for browsers without scripts.
  function hideAutoSubmitButtons(root) {
    root.querySelectorAll("[data-autosubmit-fallback]").forEach(function (button) { button.hidden = true; });
  }

  function wire(root) {
    settleToasts(root);
    wirePasswordToggles(root);
    wireCopyAndShare(root);
    hideAutoSubmitButtons(root);
  }

  // Boosted navigation swaps only <body>. When the answer is in another language (after logging in,
  // switching shop), load it whole so that <html lang dir> follow.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (!xhr || typeof xhr.responseText !== "string") return;
    var found = /<html[^>]*\blang="([^"]+)"[^>]*\bdir="([^"]+)"/.exec(xhr.responseText.slice(0, 500));
    var root = document.documentElement;
    if (found && (found[1] !== root.lang || found[2] !== root.dir)) {
      event.detail.shouldSwap = false;
      window.location.assign(xhr.responseURL || window.location.href);
    }
  });

  document.addEventListener("DOMContentLoaded", function () { wire(document); });
  document.addEventListener("htmx:load", function (event) { wire(event.target); });
})();
