// Verify a file against the evidence record on this page: the file is hashed here, in the
// browser, with WebCrypto; it is never uploaded.
(function () {
  "use strict";

  function hex(buffer) {
    return Array.from(new Uint8Array(buffer), function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }

  function setup() {
    var zone = document.getElementById("verify-zone");
    if (!zone) {
      return;
    }
    var input = document.getElementById("verify-file");
    var result = document.getElementById("verify-result");
    var expected = zone.dataset.expected;
    var maxBytes = Number(zone.dataset.maxBytes);
    var msg = zone.dataset;

    function show(kind, title, lines) {
      result.hidden = false;
      result.className = "verify-result " + kind;
      result.dataset.result = kind;
      result.textContent = "";
      var heading = document.createElement("p");
      heading.className = "verify-title";
      heading.textContent = title;
      result.appendChild(heading);
      (lines || []).forEach(function (line) {
        var p = document.createElement("p");
        p.textContent = line;
        result.appendChild(p);
      });
      result.focus();
    }

    async function check(file) {
      if (!window.crypto || !window.crypto.subtle) {
        show("error", msg.msgInsecure);
        return;
      }
      if (file.size > maxBytes) {
        show("error", msg.msgTooBig);
        return;
      }
      show("busy", msg.msgHashing + " " + file.name);
      try {
        var digest = hex(await window.crypto.subtle.digest("SHA-256", await file.arrayBuffer()));
      } catch (error) {
        show("error", msg.msgFailed, [String(error)]);
        return;
      }
      var facts = [
        file.name + " (" + file.size.toLocaleString() + " B)",
        msg.msgComputed + " " + digest,
        msg.msgExpected + " " + expected,
        msg.msgCheckedRegistry + " " + zone.dataset.registry,
      ];
      if (zone.dataset.notary) {
        facts.push(msg.msgCheckedNotary + " " + zone.dataset.notary);
      }
      if (digest === expected) {
        show("match", msg.msgMatch, [msg.msgMatchDetail].concat(facts));
      } else {
        show("mismatch", msg.msgMismatch, [msg.msgMismatchDetail].concat(facts));
      }
    }

    input.addEventListener("change", function () {
      if (input.files && input.files.length) {
        check(input.files[0]);
      }
    });
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "dragend"].forEach(function (name) {
      zone.addEventListener(name, function () {
        zone.classList.remove("dragging");
      });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("dragging");
      var files = event.dataTransfer && event.dataTransfer.files;
      if (files && files.length) {
        input.value = ""; // the picker no longer names the file being checked
        check(files[0]);
      }
    });
    // A file dropped beside the zone must not make the browser leave the page to open it.
    ["dragover", "drop"].forEach(function (name) {
      document.addEventListener(name, function (event) {
        event.preventDefault();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", setup);
})();
