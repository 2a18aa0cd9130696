// explorer.js: the explorer element. Builds the grids once per configuration, then each step (or
// hover) only moves a frame and changes the classes of the few cells involved.

const SIZES = {
  normal: { cellMin: 13, cellMax: 24, maxCell: 56, minCell: 3, calc: 15 },
  presenter: { cellMin: 18, cellMax: 32, maxCell: 76, minCell: 3, calc: 20 },
};
const SPEEDS = { slow: 0.4, normal: 1, fast: 4 }; // x the normal pace, which plays a grid in about 24 s

class Explorer {
  constructor(parent) {
    this.root = document.createElement("div");
    this.root.className = "cx-root";
    parent.appendChild(this.root);
    this.speed = "normal";
    this.step = 0;
    this.playing = false;
    this.listen(this.root, "click", (event) => this.onClick(event));
    this.listen(this.root, "keydown", (event) => this.onKey(event));
    this.listen(this.root, "input", (event) => {
      if (event.target.matches(".cx-scrub")) { this.pause(); this.pointAtInput(-1, -1); this.go(Number(event.target.value)); }
    });
    for (const type of ["pointermove", "pointerdown"]) this.listen(this.root, type, (event) => this.onPointer(event));
    this.listen(this.root, "pointerout", (event) => this.onPointerOut(event));
    this.resize = new ResizeObserver(() => { if (this.root.clientWidth !== this.laidWidth) this.layout(); });
    this.resize.observe(this.root);
    if (document.fonts) document.fonts.ready.then(() => { if (this.spec) { this.measureTexts(); this.layout(); } });
  }

  listen(target, type, handler) {
    target.addEventListener(type, handler);
    (this.unlisten ||= []).push(() => target.removeEventListener(type, handler));
  }

  update(data) {
    const json = JSON.stringify(data);
    if (json === this.json) return;
    this.json = json;
    this.build(data);
  }

  build(data) {
    this.pause(false);
    this.data = data;
    this.sizes = data.presenter ? SIZES.presenter : SIZES.normal;
    const root = this.root;
    root.dataset.ready = "false";
    root.dataset.kind = data.kind;
    root.classList.toggle("cx-presenter", Boolean(data.presenter));
    let spec;
    try {
      spec = makeSpec(data);
    } catch (error) {
      if (!(error instanceof EngineError)) throw error;
      this.spec = null;
      root.removeAttribute("tabindex");
      root.setAttribute("role", "group");
      root.setAttribute("aria-label", "Explorer");
      root.innerHTML = `<div class="cx-error" role="alert" data-error="true">${escapeHtml(error.message)}</div>`;
      root.dataset.ready = "true";
      return;
    }
    const previousSteps = this.spec ? this.spec.steps : -1;
    this.spec = spec;
    root.tabIndex = 0;
    root.setAttribute("role", "group");
    root.setAttribute("aria-label", data.label || spec.label);
    root.innerHTML = this.controlsHtml(spec) + `<div class="cx-panels">${this.panelsHtml(spec)}</div>` +
      `<div class="cx-live" aria-live="polite" aria-atomic="true"></div>`;
    this.find(spec);
    this.measureTexts();
    const opening = data.start_at_end ? Math.max(spec.steps - 1, 0) : 0;  // the whole output, or step 1
    this.step = spec.steps === previousSteps ? Math.min(this.step, spec.steps - 1) : opening;
    this.marked = [];
    this.fed = [];
    this.layout();
    root.dataset.steps = String(spec.steps);
    this.markEditable();
    root.dataset.ready = "true";
  }

  controlsHtml(spec) {
    if (!spec.steps) return "";
    const speeds = Object.keys(SPEEDS).map((name) => `<button type="button" class="cx-btn cx-speed-btn" data-speed="${name}" ` +
      `aria-pressed="${name === this.speed}">${name[0].toUpperCase() + name.slice(1)}</button>`).join("");
    return `<div class="cx-controls" role="toolbar" aria-label="Animation controls">` +
      `<button type="button" class="cx-btn" data-act="back" aria-label="Step back">\u25c0 Back</button>` +
      `<button type="button" class="cx-btn cx-play" data-act="play" aria-label="Play">\u25b6 Play</button>` +
      `<button type="button" class="cx-btn" data-act="next" aria-label="Step forward">Next \u25b6</button>` +
      `<div class="cx-speeds" role="group" aria-label="Speed">${speeds}</div>` +
      `<input class="cx-scrub" type="range" min="0" max="${spec.steps - 1}" step="1" value="0" aria-label="Step">` +
      `<span class="cx-steplabel" aria-hidden="true"></span></div>`;
  }

  panelsHtml(spec) {
    const panel = (grid, overlays, after = "", extraClass = "") => {
      const decimals = Math.max(this.data.decimals, grid.name === "kernel" ? this.data.weight_decimals : 0);
      return panelHtml(grid.name, grid.title, grid.sub,
        gridHtml(grid.name, grid.rows, grid.cols, grid.cell, grid.scheme, grid.range) + overlays,
        legendHtml(grid.scheme, grid.range, decimals), after, extraClass);
    };
    const ring = `<div class="cx-hovring" hidden></div>`;
    const readout = `<div class="cx-readout"></div>`;
    if (spec.kind === "matrix") return panel(spec.input, ring, readout);
    // The calculation of the current step, or (while pointing at an input cell) what that cell feeds.
    const calc = `<div class="cx-calc"><div class="cx-step"><div class="cx-calc-head"></div>` +
      `<div class="cx-terms"></div><div class="cx-result"></div></div>${readout}</div>`;
    return panel(spec.input, `<div class="cx-frame"></div>${ring}`) + panel(spec.middle, "", calc, " cx-middle") +
      panel(spec.output, `<div class="cx-cover"></div><div class="cx-cover"></div><div class="cx-frame"></div>`);
  }

  find(spec) {
    const $ = (selector) => this.root.querySelector(selector);
    this.grids = {};
    for (const grid of [spec.input, spec.middle, spec.output].filter(Boolean)) {
      const element = $(`.cx-grid[data-grid="${grid.name}"]`);
      this.grids[grid.name] = { spec: grid, element, cells: element.children, box: element.parentElement };
    }
    this.inputGrid = this.grids[spec.input.name];
    this.frameIn = this.inputGrid.box.querySelector(".cx-frame");
    this.hovRing = $(".cx-hovring");
    if (spec.output) {
      this.outputGrid = this.grids.output;
      [this.coverA, this.coverB] = this.outputGrid.box.querySelectorAll(".cx-cover");
      this.frameOut = this.outputGrid.box.querySelector(".cx-frame");
    }
    this.playButton = $(".cx-play");
    this.scrub = $(".cx-scrub");
    this.stepLabel = $(".cx-steplabel");
    this.calc = $(".cx-calc");
    this.stepPart = $(".cx-step");
    this.calcHead = $(".cx-calc-head");
    this.terms = $(".cx-terms");
    this.result = $(".cx-result");
    this.readout = $(".cx-readout");
    this.live = $(".cx-live");
  }

  // Show step `step`: its window, its output cell, the cells still to do, its calculation.
  draw(step, announce) {
    const spec = this.spec;
    this.step = step;
    for (const [element, name] of this.marked) element.classList.remove(name);
    this.marked = [];
    const mark = (element, name) => { element.classList.add(name); this.marked.push([element, name]); };
    const at = spec.window(step);
    this.place(this.frameIn, at.r0, at.c0, at.height, at.width);
    if (spec.rows.dilation > 1) for (const cell of at.cells) mark(this.inputGrid.cells[cell], "cx-read");
    if (at.winner >= 0) mark(this.inputGrid.cells[at.cells[at.winner]], "cx-win");
    const out = spec.output;
    this.place(this.frameOut, at.i, at.j, 1, 1);
    this.place(this.coverA, at.i, at.j + 1, 1, out.cols - at.j - 1);
    this.place(this.coverB, at.i + 1, 0, out.rows - at.i - 1, out.cols);
    if (spec.middle.values) {
      const grid = this.grids.window;
      spec.middle.values(step).forEach((cell, k) => {
        const element = grid.cells[k];
        element.textContent = cell.text;
        element.classList.toggle("cx-pad", cell.pad);
        if (cell.pad) {
          element.style.background = "";
          element.style.color = "";
        } else {
          const colour = colourAt(grid.spec.scheme, grid.spec.range, cell.value);
          element.style.background = rgb(colour);
          element.style.color = textOn(colour);
        }
        if (k === at.winner) mark(element, "cx-win");
      });
    }
    const calc = spec.calc(step);
    const value = printed(calc.result, this.data.decimals);
    this.calcHead.textContent = `Output row ${at.i}, column ${at.j}:`;
    this.terms.innerHTML = calc.html;
    this.result.innerHTML = `= <b class="cx-sum" data-printed="${value}">${value}</b>`;
    this.scrub.value = String(step);
    this.scrub.setAttribute("aria-valuetext", `Step ${step + 1} of ${spec.steps}`);
    this.stepLabel.textContent = `Step ${step + 1} of ${spec.steps}`;
    this.root.dataset.step = String(step);
    this.summary = `Step ${step + 1} of ${spec.steps}: output row ${at.i}, column ${at.j} = ${value}`;
    if (announce) this.live.textContent = this.summary;
  }

  go(step, announce = !this.playing) {
    if (!this.spec || !this.spec.steps) return;
    this.draw(Math.min(Math.max(step, 0), this.spec.steps - 1), announce);
  }

  play() {
    if (!this.spec || this.spec.steps < 2) return;
    this.go(this.step >= this.spec.steps - 1 ? 0 : this.step + 1, false);
    this.playing = true;
    this.root.dataset.playing = "true";
    this.playButton.textContent = "\u275a\u275a Pause";
    this.playButton.setAttribute("aria-label", "Pause");
    this.pace = Math.max(1, this.spec.steps / 24) * SPEEDS[this.speed];
    this.clock = performance.now();
    this.owed = 0;
    this.frame = requestAnimationFrame((now) => this.tick(now));
  }

  tick(now) {
    if (!this.playing) return;
    this.owed += ((now - this.clock) / 1000) * this.pace;
    this.clock = now;
    const steps = Math.floor(this.owed);
    if (steps > 0) {
      this.owed -= steps;
      const next = Math.min(this.step + steps, this.spec.steps - 1);
      this.draw(next, false);
      if (next === this.spec.steps - 1) { this.pause(); return; }
    }
    this.frame = requestAnimationFrame((time) => this.tick(time));
  }

  pause(announce = true) {
    const was = this.playing;
    this.playing = false;
    cancelAnimationFrame(this.frame);
    if (!this.playButton) return;
    this.root.dataset.playing = "false";
    this.playButton.textContent = "\u25b6 Play";
    this.playButton.setAttribute("aria-label", "Play");
    if (was && announce && this.live) this.live.textContent = this.summary;
  }

  setSpeed(name) {
    this.speed = name;
    for (const button of this.root.querySelectorAll(".cx-speed-btn")) {
      button.setAttribute("aria-pressed", String(button.dataset.speed === name));
    }
    if (this.playing) this.pace = Math.max(1, this.spec.steps / 24) * SPEEDS[name];
  }

  destroy() {
    this.pause(false);
    this.resize.disconnect();
    for (const remove of this.unlisten || []) remove();
    this.root.remove();
  }
}

const INSTANCES = new WeakMap();

// Components v2 calls this on mount and again whenever the data changes (same parentElement,
// without calling the previous cleanup), so one Explorer per parentElement is kept and updated.
export default function explorer({ data, parentElement, setTriggerValue }) {
  let instance = INSTANCES.get(parentElement);
  if (!instance) {
    instance = new Explorer(parentElement);
    INSTANCES.set(parentElement, instance);
  }
  instance.sendTrigger = setTriggerValue;
  instance.update(data);
  return () => {
    if (INSTANCES.get(parentElement) !== instance) return;
    instance.destroy();
    INSTANCES.delete(parentElement);
  };
}
