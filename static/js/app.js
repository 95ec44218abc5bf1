// Small behaviours without inline scripts (the pages run under a strict CSP).
// The grid tree: expand or collapse every branch. A big tree arrives without the cells of
// its closed level-3 branches; expanding all fetches the whole tree once (one request, not
// one per branch) and puts it in place, every branch open.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-tree-toggle]");
  if (!button) return;
  const open = button.dataset.treeToggle === "open";
  if (open && button.dataset.treeAll && document.querySelector("#grid-tree .grid-lazy")) {
    htmx.ajax("GET", button.dataset.treeAll, { target: "#tree-results", swap: "outerHTML" });
    return;
  }
  document.querySelectorAll("#grid-tree details.grid-node").forEach((node) => { node.open = open; });
});

// A branch that could not be loaded says so instead of "loading" forever.
document.addEventListener("htmx:responseError", (event) => {
  const waiting = event.target.querySelector?.(":scope > ul > .grid-lazy [data-tree-failed]");
  if (!waiting) return;
  waiting.textContent = waiting.dataset.treeFailed;
  waiting.previousElementSibling?.remove();
});

// A fragment request answered by the login page (the session ran out) takes the whole
// window there rather than putting the login form inside the page.
document.addEventListener("htmx:beforeSwap", (event) => {
  const xhr = event.detail.xhr;
  if (!xhr.responseURL) return;
  const landed = new URL(xhr.responseURL);
  if (landed.pathname.endsWith("/accounts/login/") && !location.pathname.endsWith("/accounts/login/")) {
    event.detail.shouldSwap = false;
    location.assign(landed.href);
  }
});

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
