// The console works without JavaScript; this adds "select all" to checkbox columns and lets the
// destinations board refresh itself in place (without it, a <meta refresh> reloads the page).
document.addEventListener("change", (event) => {
  const box = event.target;
  const name = box.dataset && box.dataset.selectAll;
  if (!name) return;
  for (const other of box.form.querySelectorAll(`input[type=checkbox][name="${name}"]`)) {
    other.checked = box.checked;
  }
});

document.addEventListener("DOMContentLoaded", () => {
  const board = document.querySelector("[data-refresh]");
  if (!board) return;
  const every = Number(board.dataset.refreshSeconds || 5) * 1000;
  // Never swap the table under an operator who is about to press one of its buttons.
  const busy = () => board.contains(document.activeElement) || board.querySelector("form:hover") !== null;
  const refresh = async () => {
    if (!document.hidden && !busy()) {
      try {
        const answer = await fetch(board.dataset.refresh, { credentials: "same-origin", cache: "no-store" });
        if (answer.redirected || answer.status === 401 || answer.status === 403) {
          window.location.reload(); // the session ended: the hub shows the login page
          return;
        }
        if (answer.ok) {
          board.innerHTML = await answer.text();
          board.dataset.refreshedAt = new Date().toISOString();
        }
      } catch (error) {
        // The hub is out of reach for a moment: keep the last board and try again.
      }
    }
    window.setTimeout(refresh, every);
  };
  window.setTimeout(refresh, every);
});
