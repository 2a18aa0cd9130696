// editing.js: typing a kernel weight into the explorer itself (data.editable_kernel). A click, a tap
// or Enter on a kernel cell opens a small text box there; Enter, Tab or leaving the box sends
// {row, col, text} to Python as the one-shot "kernel_cell" trigger, Escape cancels. Python checks
// the text with the lesson's own parser (cnnviz.lesson.kernels) and sends back the new kernel, or
// a sentence saying what was wrong; until then the cell shows its old weight.

Object.assign(Explorer.prototype, {
  // After each build: kernel cells become focusable buttons when the kernel may be edited.
  markEditable() {
    const grid = this.grids && this.grids.kernel;
    const editable = Boolean(this.data.editable_kernel && grid && this.sendTrigger);
    this.root.dataset.editable = String(editable);
    if (!editable) return;
    for (const cell of grid.cells) {
      cell.tabIndex = 0;
      cell.setAttribute("role", "button");
      cell.setAttribute("aria-label", `Kernel weight, row ${Number(cell.dataset.row) + 1}, column ` +
        `${Number(cell.dataset.col) + 1}: ${cell.dataset.printed}. Press Enter to type a new weight.`);
      cell.title = "Click to type a new weight";
      cell.classList.add("cx-editable");
    }
  },

  // The kernel cell an event happened in, when the kernel may be edited; else null.
  editableCell(target) {
    if (this.root.dataset.editable !== "true" || !target.closest) return null;
    const cell = target.closest(".cx-c");
    return cell && cell.parentElement === this.grids.kernel.element ? cell : null;
  },

  startEdit(cell) {
    if (cell.querySelector(".cx-edit")) return;
    this.pause(false);
    const box = document.createElement("input");
    box.className = "cx-edit";
    box.type = "text";
    box.inputMode = "decimal";
    box.autocomplete = "off";
    box.spellcheck = false;
    box.maxLength = 24;
    box.value = cell.dataset.printed;
    box.setAttribute("aria-label", `New weight for row ${Number(cell.dataset.row) + 1}, column ${Number(cell.dataset.col) + 1}`);
    cell.textContent = "";
    cell.appendChild(box);
    box.focus();
    box.select();
    let done = false;
    const finish = (send, refocus) => {
      if (done) return;
      done = true;
      const text = box.value.trim();
      box.remove();
      cell.textContent = cell.dataset.printed;
      if (refocus) cell.focus();
      if (send && text !== cell.dataset.printed) {
        this.sendTrigger("kernel_cell", { row: Number(cell.dataset.row), col: Number(cell.dataset.col), text });
      }
    };
    box.addEventListener("keydown", (event) => {
      event.stopPropagation();  // arrows and space edit the text, they do not step or play
      if (event.key === "Enter") { event.preventDefault(); finish(true, true); }
      else if (event.key === "Escape") { event.preventDefault(); finish(false, true); }
    });
    box.addEventListener("blur", () => finish(true, false));
    box.addEventListener("pointerdown", (event) => event.stopPropagation());
  },
});
