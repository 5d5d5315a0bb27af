// The application forms keep work: the DAR form saves itself a moment after each change (the first
// save gives the draft its number and moves the address to it), and the data dictionary picker is
// searchable and opens a table's columns when the table is ticked.
// Without this script the forms still work: Save, Attach and Submit post them whole.
(function () {
  const search = document.getElementById("items-search");
  const picker = document.getElementById("items");
  if (picker) {
    picker.addEventListener("change", (e) => {
      if (e.target.name && e.target.name.startsWith("item_") && e.target.checked) {
        const group = e.target.closest("details");
        if (group) group.open = true;
      }
    });
  }
  if (search && picker) {
    const note = document.getElementById("items-search-status");
    search.addEventListener("input", () => {
      const q = search.value.trim().toLowerCase();
      let shown = 0;
      picker.querySelectorAll("details.item-group").forEach((group) => {
        let hits = 0;
        group.querySelectorAll("li[data-search]").forEach((li) => {
          const hit = !q || li.dataset.search.includes(q);
          li.classList.toggle("hidden-by-search", !hit);
          if (hit) hits += 1;
        });
        group.classList.toggle("hidden-by-search", q !== "" && hits === 0);
        if (q) group.open = hits > 0;
        shown += q && hits ? hits : 0;
      });
      if (note) note.textContent = q ? shown + " data items match “" + search.value.trim() + "”" : "";
    });
  }

  const form = document.querySelector("form[data-autosave]");
  if (!form) return;
  const status = document.getElementById("autosave-status");
  let timer = null, inflight = null, again = false;

  function say(text) { if (status) status.textContent = text; }

  async function save() {
    if (inflight) { again = true; return inflight; }
    const data = new FormData(form);
    data.delete("file");
    data.set("action", "autosave");
    say("Saving…");
    inflight = fetch(form.getAttribute("action"), {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": data.get("csrf") },
    }).then(async (r) => {
      const body = await r.json().catch(() => ({ detail: r.statusText }));
      if (!r.ok) { say("Not saved: " + body.detail); return; }
      if (form.getAttribute("action") !== body.form_url) {
        form.setAttribute("action", body.form_url);
        history.replaceState(null, "", body.url);
      }
      say("Saved as " + body.id + " at " + body.saved_at + " (UTC).");
    }).catch(() => {
      say("Not saved: the node did not answer. Your text is still here; it will be saved with your next change.");
    }).finally(() => {
      inflight = null;
      if (again) { again = false; save(); }
    });
    return inflight;
  }

  function schedule(e) {
    if (e.target === search || e.target.type === "file") return;
    clearTimeout(timer);
    timer = setTimeout(save, 700);
  }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);

  // A Save / Attach / Submit click while the first save is still on its way would open a second
  // draft: wait for it, then send the form to the draft's own address.
  form.addEventListener("submit", (e) => {
    clearTimeout(timer);
    if (inflight) {
      e.preventDefault();
      const submitter = e.submitter;
      inflight.then(() => form.requestSubmit(submitter));
    }
  });

})();
