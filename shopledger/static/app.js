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

  // Dictate into a notes field with the browser's speech recogniser, in the page's language:
  // interim words show under the field as they come, final words are appended to what is there.
  function wireDictation(root) {
    var Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
    root.querySelectorAll("[data-dictate]:not([data-wired])").forEach(function (button) {
      button.setAttribute("data-wired", "");
      if (!Recognition) return;
      var field = document.getElementById(button.getAttribute("data-dictate"));
      var interim = document.getElementById(button.getAttribute("data-dictate") + "-interim");
      var label = button.querySelector("span");
      var recognition = null;
      button.hidden = false;

      function appendFinal(text) {
        text = text.trim();
        if (!text) return;
        var separator = field.value && !/\s$/.test(field.value) ? " " : "";
        field.value += separator + text;
        field.dispatchEvent(new Event("input", { bubbles: true }));
      }
      function stopped() {
        recognition = null;
        button.setAttribute("aria-pressed", "false");
        button.classList.remove("listening");
        label.textContent = button.dataset.idle;
        interim.textContent = "";
        interim.hidden = true;
      }
      button.addEventListener("click", function () {
        if (recognition) { recognition.stop(); return; }
        recognition = new Recognition();
        recognition.lang = button.dataset.lang;
        recognition.interimResults = true;
        recognition.continuous = true;
        recognition.onresult = function (event) {
          var pending = "";
          for (var i = event.resultIndex; i < event.results.length; i++) {
            var result = event.results[i];
            if (result.isFinal) appendFinal(result[0].transcript);
            else pending += result[0].transcript;
          }
          interim.textContent = pending;
          interim.hidden = !pending;
        };
        recognition.onend = stopped;
        recognition.onerror = stopped;
        recognition.start();
        button.setAttribute("aria-pressed", "true");
        button.classList.add("listening");
        label.textContent = button.dataset.listening;
      });
    });
  }

  // A form sent by htmx cannot be sent twice by a double tap: its submit buttons wait for the answer.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (!form || form.tagName !== "FORM") return;
    form.querySelectorAll("button[type=submit]:not([disabled])").forEach(function (button) {
      button.disabled = true;
      button.setAttribute("data-busy", "");
    });
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form || form.tagName !== "FORM") return;
    form.querySelectorAll("button[data-busy]").forEach(function (button) {
      button.disabled = false;
      button.removeAttribute("data-busy");
    });
  });

  function wire(root) {
    settleToasts(root);
    wirePasswordToggles(root);
    wireCopyAndShare(root);
    hideAutoSubmitButtons(root);
    wireDictation(root);
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
