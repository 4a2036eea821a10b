// nnwidgets sight: one per dashboard. It tells the kernel which of the dashboard's views
// this page shows inside the browser's viewport (their `nnw-view-NAME` classes), so that
// play does not redraw a view nobody can see (one scrolled away, or in a hidden tab of
// JupyterLab). An IntersectionObserver watches each view; a look for new views once a
// second finds those added or rebuilt (cheaper than observing every redraw of the SVG).

const ROOT = ".nnw-dashboard";
const VIEW = ".nnw-view";
const SETTLE_MS = 100; // one message for a scroll, not one per view it passes
const RESCAN_MS = 1000;

function viewName(el) {
  for (const css of el.classList) {
    if (css.startsWith("nnw-view-") && css !== "nnw-view-unavailable") return css.slice(9);
  }
  return null;
}

function render({ model, el }) {
  const page = Math.random().toString(36).slice(2) + Date.now().toString(36);
  const seen = new Map(); // view element -> whether it is inside the viewport
  let root = null;
  let rescan = 0;
  let frame = 0;
  let timer = 0;
  let said = null; // the names last sent, joined
  let tries = 600; // frames (about 10 s) to wait for a dashboard around this element

  const say = () => {
    timer = 0;
    const names = new Set();
    for (const [view, inside] of seen) {
      const name = inside && view.isConnected ? viewName(view) : null;
      if (name) names.add(name);
    }
    const views = Array.from(names).sort();
    if (views.join(" ") === said) return;
    said = views.join(" ");
    model.send({ event: "sight", page, views });
  };
  const soon = () => {
    if (!timer) timer = setTimeout(say, SETTLE_MS);
  };
  const sight = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (seen.has(entry.target)) seen.set(entry.target, entry.isIntersecting);
    }
    soon();
  });
  const track = () => {
    let changed = false;
    for (const view of seen.keys()) {
      if (!view.isConnected) {
        sight.unobserve(view);
        seen.delete(view);
        changed = true;
      }
    }
    for (const view of root.querySelectorAll(VIEW)) {
      if (!seen.has(view)) {
        seen.set(view, false);
        sight.observe(view); // reports at once whether the view is inside
        changed = true;
      }
    }
    if (changed) soon();
  };
  const attach = () => {
    root = el.closest(ROOT);
    if (!root) {
      if (tries-- > 0) frame = requestAnimationFrame(attach);
      return;
    }
    track();
    rescan = setInterval(track, RESCAN_MS);
  };
  attach();
  return () => {
    cancelAnimationFrame(frame);
    clearTimeout(timer);
    clearInterval(rescan);
    sight.disconnect();
    model.send({ event: "sight", page, views: null }); // this page shows none any more
  };
}

export default { render };
