// Small behaviours without inline scripts (the pages run under a strict CSP).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-tree-toggle]");
  if (!button) return;
  const open = button.dataset.treeToggle === "open";
  document.querySelectorAll("details.grid-node").forEach((node) => { node.open = open; });
});

document.addEventListener("change", (event) => {
  const filter = event.target.closest("[data-tree-gaps-only]");
  if (!filter) return;
  document.querySelector(".grid-tree-root")?.classList.toggle("gaps-only", filter.checked);
  if (filter.checked) {
    document.querySelectorAll("details.grid-node").forEach((node) => { node.open = true; });
  }
});

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
