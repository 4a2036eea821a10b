// The page's side of a dashboard export (see page_export.py and export.py).
//
// Each rendered view says "ready" with an id of its own; the kernel addresses one view
// per request, so a dashboard shown twice still answers once. Requests:
//   collect   -> the SVG of every listed figure drawn inside this view's dashboard, and
//                where it sits on screen
//   rasterize -> the composed SVG (the message's buffer) drawn on one canvas, as PNG
//   download  -> the message's buffer saved by the browser as one file
// Answers go back with the request's job number; a failure answers "failed".

const MAX_CANVAS_SIDE = 16384; // Chromium's and Firefox's limit for one canvas side

function newId() {
  // crypto.randomUUID needs a secure context (Voila on a class's LAN is plain http)
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

async function figureView(widgetManager, modelId, root) {
  // The figure's view drawn inside our dashboard: a dashboard shown twice has a view of
  // each figure in each copy.
  const model = await widgetManager.get_model(modelId);
  const views = await Promise.all(Object.values(model.views || {}));
  return views.find((v) => v.el && v.el.isConnected && root.contains(v.el)) || null;
}

async function collect(model, el, msg) {
  if (!model.widget_manager) {
    throw new Error("this anywidget gives the page module no widget_manager (anywidget >= 0.9)");
  }
  const root = el.closest(".nnw-dashboard") || document.body;
  const views = [];
  for (const fig of msg.figures) {
    views.push(await figureView(model.widget_manager, fig.id, root));
  }
  // Every box in one go, before any SVG is asked for: the page may scroll or lay out
  // again while get_svg works (it loads each image of a figure), which would move the
  // boxes measured after it.
  const boxes = views.map((view) => (view === null ? null : view.el.getBoundingClientRect()));
  const found = [];
  const buffers = [];
  let hidden = 0;
  for (const [index, view] of views.entries()) {
    const box = boxes[index];
    if (view === null) continue;
    if (box.width < 1 || box.height < 1) {
      hidden += 1; // not on screen: a collapsed box, or a tab in the background
      continue;
    }
    if (typeof view.get_svg !== "function") {
      throw new Error("this version of bqplot cannot give a figure's SVG (get_svg)");
    }
    const svg = await view.get_svg();
    found.push({ index, x: box.left, y: box.top, width: box.width, height: box.height });
    buffers.push(new TextEncoder().encode(svg).buffer);
  }
  model.send({ event: "figures", job: msg.job, figures: found, hidden }, undefined, buffers);
}

function dataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

function loadImage(src) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error("the browser could not draw the composed SVG"));
    img.src = src;
  });
}

async function rasterize(model, msg, svg) {
  const scale = msg.scale || window.devicePixelRatio || 1;
  const width = Math.ceil(msg.width * scale);
  const height = Math.ceil(msg.height * scale);
  if (width > MAX_CANVAS_SIDE || height > MAX_CANVAS_SIDE) {
    throw new Error(
      `the image would be ${width}×${height} px, more than the browser's ` +
        `${MAX_CANVAS_SIDE} px per side: export with a smaller scale`,
    );
  }
  // drawn as bqplot draws one figure: the SVG as a data: URL image on a canvas
  const img = await loadImage(await dataUrl(new Blob([svg], { type: "image/svg+xml" })));
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  ctx.scale(scale, scale);
  ctx.drawImage(img, 0, 0, msg.width, msg.height);
  const png = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  if (png === null) throw new Error(`the browser could not encode a ${width}×${height} PNG`);
  if (msg.filename) download(png, msg.filename);
  // in parts: the server closes a websocket whose message from the page is over 10 MiB
  const bytes = await png.arrayBuffer();
  const size = msg.part_bytes > 0 ? msg.part_bytes : bytes.byteLength || 1;
  const parts = Math.max(1, Math.ceil(bytes.byteLength / size));
  for (let part = 0; part < parts; part++) {
    const slice = bytes.slice(part * size, (part + 1) * size);
    model.send({ event: "png-part", job: msg.job, part, parts }, undefined, [slice]);
  }
}

function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.style.display = "none";
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function render({ model, el }) {
  const id = newId();
  const onMessage = async (msg, buffers) => {
    if (!msg || msg.view !== id) return;
    try {
      if (msg.do === "collect") {
        await collect(model, el, msg);
      } else if (msg.do === "rasterize") {
        await rasterize(model, msg, buffers[0]);
      } else if (msg.do === "download") {
        download(new Blob([buffers[0]], { type: msg.mime }), msg.filename);
        model.send({ event: "downloaded", job: msg.job });
      }
    } catch (err) {
      model.send({ event: "failed", job: msg.job, message: String(err && err.message || err) });
    }
  };
  model.on("msg:custom", onMessage);
  model.send({ event: "ready", view: id });
  return () => {
    model.off("msg:custom", onMessage);
    try {
      model.send({ event: "gone", view: id });
    } catch (err) {
      // the kernel is gone too: nothing to tell it
    }
  };
}

export default { render };
