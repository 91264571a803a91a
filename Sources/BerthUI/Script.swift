

/// The UI's only script: progressive enhancement, every page works without
/// it. Copy buttons, live filtering of a table, confirmations before a
/// destructive form is sent, and search suggestions.
enum Script {
    static let text = #"""
        "use strict";
        document.addEventListener("click", (event) => {
          const button = event.target.closest("button[data-copy]");
          if (!button) return;
          const text = button.getAttribute("data-copy");
          const done = () => { const label = button.textContent; button.textContent = "Copied"; setTimeout(() => { button.textContent = label; }, 1500); };
          if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text).then(done); return; }
          const area = document.createElement("textarea");
          area.value = text; area.setAttribute("readonly", ""); area.className = "offscreen";
          document.body.appendChild(area); area.select();
          try { document.execCommand("copy"); done(); } finally { area.remove(); }
        });
        document.addEventListener("submit", (event) => {
          const message = event.target.getAttribute("data-confirm");
          if (message && !window.confirm(message)) event.preventDefault();
        });
        document.querySelectorAll("input[data-filter]").forEach((input) => {
          const table = document.querySelector(input.getAttribute("data-filter"));
          if (!table) return;
          input.addEventListener("input", () => {
            const text = input.value.trim().toLowerCase();
            table.querySelectorAll("tbody tr").forEach((row) => {
              row.hidden = text !== "" && !(row.getAttribute("data-key") || "").toLowerCase().includes(text);
            });
          });
        });
        document.querySelectorAll("input[data-suggest]").forEach((input) => {
          const list = document.getElementById(input.getAttribute("list"));
          let timer;
          input.addEventListener("input", () => {
            clearTimeout(timer);
            const text = input.value.trim();
            if (text.length < 2 || !list) return;
            timer = setTimeout(async () => {
              const answer = await fetch(input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(text), { credentials: "same-origin" });
              if (!answer.ok) return;
              const names = await answer.json();
              list.replaceChildren(...names.map((name) => { const option = document.createElement("option"); option.value = name; return option; }));
            }, 150);
          });
        });
        """#
}
