// nnwidgets accessibility: one per dashboard (or race). It finds the `.nnw-dashboard`
// (or `.nnw-compare`) that holds it and gives its ipywidgets and bqplot elements what
// ipywidgets cannot set itself: names for sliders and readouts, value texts, icons
// hidden from the accessible name, a keyboard-operable "More settings" header, text
// alternatives for the figures, and a persistent live region in the status line. A
// MutationObserver applies it again to whatever ipywidgets re-renders (new views, a
// slider moved, a button's icon changed).

const ROOT = ".nnw-dashboard, .nnw-compare";
const LIVE = "nnw-status-live";

// A number as Python's format(x, ".{digits}g") shows it, without trailing zeros.
function number(x, digits) {
  if (!Number.isFinite(x)) return String(x);
  return String(Number(x.toPrecision(digits)));
}

function text(el) {
  return el ? el.textContent.replace(/\s+/g, " ").trim() : "";
}

function setAttr(el, name, value) {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

// The value text of a slider handle: a format given from Python for its CSS class, or
// else what its readout shows; null leaves the slider's own. A format reads the readout
// as a number ({readout: true}: the model's value, where the handle's is on the slider's
// grid) or the handle's position ({scale: "log"}: 10 to that power), in `digits`
// significant digits, with a `unit`, and `top` at the slider's top.
function valueText(slider, handle, formats) {
  const readout = slider.querySelector(".widget-readout");
  const shown = readout && readout.style.display !== "none" ? text(readout) : "";
  for (const [css, f] of Object.entries(formats)) {
    if (!slider.closest("." + css)) continue;
    const now = Number(handle.getAttribute("aria-valuenow"));
    const max = Number(handle.getAttribute("aria-valuemax"));
    if (f.top && now >= max) return f.top;
    let value = f.scale === "log" ? Math.pow(10, now) : now;
    if (f.readout && shown && Number.isFinite(Number(shown))) value = Number(shown);
    return number(value, f.digits || 3) + (f.unit ? " " + f.unit : "");
  }
  return shown || null;
}

function labelSliders(root, formats) {
  for (const slider of root.querySelectorAll(".widget-slider")) {
    const name = text(slider.querySelector(":scope > .widget-label")) || slider.title;
    for (const handle of slider.querySelectorAll("[role=slider]")) {
      if (name) setAttr(handle, "aria-label", name);
      const value = valueText(slider, handle, formats);
      if (value !== null) setAttr(handle, "aria-valuetext", value);
    }
    const readout = slider.querySelector(".widget-readout[contenteditable=true]");
    if (readout && name) {
      setAttr(readout, "role", "textbox");
      setAttr(readout, "aria-label", name + " value");
    }
  }
}

// Inputs whose widget has no description are labelled by an empty <label>: a name
// given from Python for their CSS class, or else their placeholder.
function labelInputs(root, names) {
  for (const wrapper of root.querySelectorAll(".widget-inline-hbox")) {
    const input = wrapper.querySelector(":scope > input, :scope > select, :scope > textarea");
    if (!input || text(wrapper.querySelector(":scope > .widget-label"))) continue;
    const css = Object.keys(names).find((c) => wrapper.classList.contains(c));
    const name = css ? names[css] : input.getAttribute("placeholder");
    if (name) setAttr(input, "aria-label", name);
  }
}

// Font Awesome icons draw a private-use glyph that would start the button's name.
function hideIcons(root) {
  for (const icon of root.querySelectorAll("button i, .jupyter-widget-Collapse-header i")) {
    setAttr(icon, "aria-hidden", "true");
  }
}

// ipywidgets' Accordion header is a plain div: a button to the keyboard and to screen
// readers, with its state.
function disclosures(root) {
  for (const header of root.querySelectorAll(".jupyter-widget-Collapse-header")) {
    const collapse = header.closest(".jupyter-widget-Collapse");
    setAttr(header, "role", "button");
    setAttr(header, "tabindex", "0");
    const open = collapse ? collapse.classList.contains("jupyter-widget-Collapse-open") : false;
    setAttr(header, "aria-expanded", String(open));
    if (!header.__nnwKeys) {
      header.__nnwKeys = true;
      header.addEventListener("keydown", (event) => {
        if (event.key !== "Enter" && event.key !== " ") return;
        event.preventDefault();
        event.stopPropagation(); // not a notebook shortcut
        header.click();
      });
    }
  }
}

// Each view's figures, in page order, get role=img and the text Python sent for them.
const FOCUSABLE = "button, input, select, textarea, a[href]";

function describeFigures(root, figures) {
  for (const [name, labels] of Object.entries(figures)) {
    for (const view of root.querySelectorAll(".nnw-view-" + name)) {
      const figs = view.matches(".bqplot.figure")
        ? [view]
        : Array.from(view.querySelectorAll(".bqplot.figure"));
      figs.forEach((fig, i) => {
        if (labels[i] === undefined) return;
        setAttr(fig, "role", "img");
        setAttr(fig, "aria-label", labels[i]);
        // Chromium still lists an image's SVG children (their tick labels, read one
        // by one): the label says it all. bqplot's toolbar holds buttons that Tab
        // reaches: hiding them would hide a focused element (Chromium refuses that)
        for (const child of fig.children) {
          if (!child.querySelector(FOCUSABLE)) setAttr(child, "aria-hidden", "true");
        }
      });
    }
  }
}

// The status line shows every refresh; a persistent polite live region beside its text
// says what Python announces (throttled while playing), and the shown text is hidden
// from screen readers so that it is not read twice.
function statusRegion(root, announcement) {
  for (const status of root.querySelectorAll(".nnw-status")) {
    let live = status.querySelector(":scope > ." + LIVE);
    if (!live) {
      live = document.createElement("div");
      live.className = LIVE + " nnw-sr-only";
      live.setAttribute("role", "status");
      live.setAttribute("aria-live", "polite");
      live.setAttribute("aria-atomic", "true");
      status.appendChild(live);
    }
    if (live.textContent !== announcement) live.textContent = announcement;
    const shown = status.querySelector(":scope > .widget-html-content");
    if (shown) setAttr(shown, "aria-hidden", "true");
  }
  // the message line (a refused input, a divergence, a rewind) and other short notes
  // marked nnw-live are said when they appear
  const notes = ".nnw-message > .widget-html-content, .nnw-live > .widget-html-content";
  for (const message of root.querySelectorAll(notes)) {
    setAttr(message, "aria-live", "polite");
  }
}

// JupyterLab's notebook shortcuts act on keys pressed anywhere in a cell in command
// mode: ArrowDown on a focused list or slider would also select the next cell. The keys
// that operate those controls stop at the dashboard (Lab listens on the document, in
// the bubbling phase); every other key, a letter shortcut too, reaches Lab as before.
const CONTROL_KEYS = new Set([
  "ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown",
]);

function keepKeys(event) {
  const target = event.target;
  if (CONTROL_KEYS.has(event.key) && target.matches && target.matches("select, [role=slider]")) {
    event.stopPropagation();
  }
}

function apply(root, model) {
  const formats = model.get("value_texts") || {};
  labelSliders(root, formats);
  labelInputs(root, model.get("names") || {});
  hideIcons(root);
  disclosures(root);
  describeFigures(root, model.get("figures") || {});
  statusRegion(root, model.get("announcement") || "");
}

// Whether a mutation can need apply(): HTML elements added (not the text of an HTML
// widget, not bqplot's redraws inside its SVG), a readout's text, a slider's value text
// or a disclosure's state changed.
function relevant(records) {
  for (const r of records) {
    const target = r.target.nodeType === Node.ELEMENT_NODE ? r.target : r.target.parentElement;
    if (!target || target instanceof SVGElement) continue;
    if (r.type === "attributes") {
      if (r.attributeName === "aria-valuetext") return true;
      if (target.classList.contains("jupyter-widget-Collapse")) return true;
      continue;
    }
    if (target.closest(".widget-readout")) return true;
    if (target.closest(".widget-html-content")) continue;
    for (const node of r.addedNodes) {
      if (node.nodeType === Node.ELEMENT_NODE && !(node instanceof SVGElement)) return true;
    }
  }
  return false;
}

function render({ model, el }) {
  const names = ["figures", "announcement", "value_texts", "names"];
  let root = null;
  let observer = null;
  let frame = 0;
  let tries = 600; // frames (about 10 s) to wait for a dashboard around this element
  const update = () => {
    if (root) apply(root, model);
  };
  // The dashboard's element holds this one only once ipywidgets has attached it.
  const attach = () => {
    root = el.closest(ROOT);
    if (!root) {
      if (tries-- > 0) frame = requestAnimationFrame(attach);
      return;
    }
    observer = new MutationObserver((records) => {
      if (relevant(records)) update();
    });
    root.addEventListener("keydown", keepKeys);
    model.send({ event: "shown" }); // the kernel may now add what the first screen left out
    observer.observe(root, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
      attributeFilter: ["aria-valuetext", "class"],
    });
    update();
  };
  attach();
  for (const name of names) model.on("change:" + name, update);
  return () => {
    cancelAnimationFrame(frame);
    if (observer) observer.disconnect();
    if (root) root.removeEventListener("keydown", keepKeys);
    for (const name of names) model.off("change:" + name, update);
  };
}

export default { render };
