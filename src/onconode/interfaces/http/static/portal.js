// Portal plots and exports. Each `.chart[data-vega-spec]` is drawn with vega-embed (SVG
// renderer: crisp, and its description becomes the SVG's accessible label); the
// "Download PNG/SVG" buttons export the drawn view; "Download TSV" turns the table it
// names into a tab-separated file, as shown (suppressed counts stay "<5").
(function () {
  const views = new Map();

  function download(url, filename) {
    const a = document.createElement("a");
    a.href = url;
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  function drawCharts(root) {
    if (typeof vegaEmbed !== "function") return;
    root.querySelectorAll(".chart[data-vega-spec]:not([data-drawn])").forEach((el) => {
      el.setAttribute("data-drawn", "pending");
      const spec = JSON.parse(el.getAttribute("data-vega-spec"));
      // ast + the interpreter: no eval, so the page works under the CSP without 'unsafe-eval'
      vegaEmbed(el, spec, { renderer: "svg", ast: true, expr: vega.expressionInterpreter, actions: { export: true, source: false, compiled: false, editor: false } })
        .then((result) => { views.set(el.id, result.view); el.setAttribute("data-drawn", "yes"); })
        .catch((err) => { el.setAttribute("data-drawn", "failed"); el.textContent = "The plot could not be drawn: " + err.message + ". The table below has the same numbers."; });
    });
  }

  function tableToTsv(table) {
    const clean = (cell) => {
      const copy = cell.cloneNode(true);
      copy.querySelectorAll("button").forEach((b) => b.remove());
      return copy.textContent.replace(/\s+/g, " ").trim().replace(/\t/g, " ");
    };
    const rows = [];
    table.querySelectorAll("tr").forEach((tr) => rows.push(Array.from(tr.children).map(clean).join("\t")));
    return rows.join("\n") + "\n";
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.export) {
      const view = views.get(button.dataset.chart);
      if (!view) return;
      const type = button.dataset.export;
      view.toImageURL(type, type === "png" ? 2 : 1).then((url) => download(url, button.dataset.chart + "." + type));
    } else if (button.classList.contains("tsv")) {
      const table = document.getElementById(button.dataset.table);
      const blob = new Blob([tableToTsv(table)], { type: "text/tab-separated-values" });
      const url = URL.createObjectURL(blob);
      download(url, button.dataset.filename || "table.tsv");
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    }
  });

  document.addEventListener("DOMContentLoaded", () => drawCharts(document));
  document.addEventListener("htmx:afterSwap", (e) => drawCharts(e.target));
})();
