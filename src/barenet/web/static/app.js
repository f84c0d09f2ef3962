// barenet's drawing page.
//
// The pad keeps the drawing as a list of strokes (each a list of points in
// pad pixels), so that undo is "drop the last stroke and redraw". Whenever
// the drawing changes, the pad is sent to POST /api/predict as a PNG, dark
// ink on white paper, and the server preprocesses it exactly as `barenet
// predict` does; the answer holds the digit, the network's output for each
// class and the image the network read. At most one request is in flight:
// changes made meanwhile are sent together when it returns, and answers
// about a drawing that has since changed are dropped.
//
// An uploaded image is sent as the file itself (and shown on the pad);
// strokes drawn over it turn it into a drawing like any other.
//
// #guess carries data-state: "idle" (nothing to read), "busy" (a request
// is in flight or due), "done" (the guess shown is the current drawing's)
// or "error" (the server refused it; the reason is shown).

"use strict";

const PEN_WIDTH = 20; // pad pixels; the pad is 280 x 280
const KEY_STEP = 10; // pad pixels per arrow key press
const KEY_SMALL_STEP = 2; // the same, with Shift held

const pad = document.getElementById("pad");
const context = pad.getContext("2d");
const cursor = document.getElementById("cursor");
const guess = document.getElementById("guess");
const digit = document.getElementById("digit");
const statusLine = document.getElementById("status");
const bars = document.getElementById("bars");
const seen = document.getElementById("seen");
const seenCaption = document.getElementById("seen-caption");
const modelSelect = document.getElementById("model");
const fileInput = document.getElementById("file");

const state = {
  strokes: [],
  current: null, // the stroke being drawn, also the last of `strokes`
  upload: null, // {file, bitmap} after an image was chosen
  models: new Map(), // id -> the model's facts from /api/models
  modelId: null,
  version: 0, // bumped by every change, to drop stale answers
  inFlight: false,
  dirty: false,
  keyPen: { x: 140, y: 140, down: false },
};

// -- drawing ------------------------------------------------------------

function redraw() {
  context.fillStyle = "#ffffff";
  context.fillRect(0, 0, pad.width, pad.height);
  if (state.upload && state.upload.bitmap) {
    drawFitted(state.upload.bitmap);
  }
  context.strokeStyle = context.fillStyle = "#000000";
  context.lineWidth = PEN_WIDTH;
  context.lineCap = context.lineJoin = "round";
  for (const stroke of state.strokes) {
    drawStroke(stroke);
  }
}

function drawStroke(points) {
  const [x0, y0] = points[0];
  if (points.length === 1) {
    context.beginPath();
    context.arc(x0, y0, PEN_WIDTH / 2, 0, 2 * Math.PI);
    context.fill();
    return;
  }
  context.beginPath();
  context.moveTo(x0, y0);
  for (const [x, y] of points.slice(1)) {
    context.lineTo(x, y);
  }
  context.stroke();
}

function drawFitted(bitmap) {
  const scale = Math.min(pad.width / bitmap.width, pad.height / bitmap.height);
  const w = bitmap.width * scale;
  const h = bitmap.height * scale;
  context.drawImage(bitmap, (pad.width - w) / 2, (pad.height - h) / 2, w, h);
}

function padPoint(event) {
  const box = pad.getBoundingClientRect();
  return [
    ((event.clientX - box.left) * pad.width) / box.width,
    ((event.clientY - box.top) * pad.height) / box.height,
  ];
}

function startStroke(point) {
  state.current = [point];
  state.strokes.push(state.current);
  redraw();
  changed();
}

function extendStroke(points) {
  state.current.push(...points);
  redraw();
  changed();
}

function endStroke() {
  state.current = null;
}

function undo() {
  if (state.strokes.length > 0) {
    state.strokes.pop();
  } else if (state.upload) {
    state.upload = null;
    fileInput.value = "";
  } else {
    return;
  }
  endStroke();
  redraw();
  changed();
}

function clearPad() {
  state.strokes = [];
  state.upload = null;
  fileInput.value = "";
  endStroke();
  redraw();
  changed();
}

// -- asking the server --------------------------------------------------

function hasContent() {
  return state.strokes.length > 0 || state.upload !== null;
}

function changed() {
  state.version += 1;
  if (!hasContent()) {
    showIdle();
    return;
  }
  state.dirty = true;
  guess.dataset.state = "busy";
  if (!state.inFlight) {
    predict();
  }
}

async function requestBody() {
  if (state.upload && state.strokes.length === 0) {
    const type = state.upload.file.type || "application/octet-stream";
    return { body: state.upload.file, type };
  }
  const png = await new Promise((resolve) => pad.toBlob(resolve, "image/png"));
  return { body: png, type: "image/png" };
}

async function predict() {
  const version = state.version;
  state.dirty = false;
  state.inFlight = true;
  let outcome = "error";
  try {
    const { body, type } = await requestBody();
    const query = state.modelId
      ? `?model=${encodeURIComponent(state.modelId)}`
      : "";
    const response = await fetch(`/api/predict${query}`, {
      method: "POST",
      headers: { "Content-Type": type },
      body,
    });
    const answer = await response.json();
    if (version === state.version) {
      if (response.ok) {
        showGuess(answer);
        outcome = "done";
      } else {
        showProblem(answer.detail || response.statusText);
      }
    }
  } catch (error) {
    if (version === state.version) {
      showProblem(`The server did not answer (${error.message}).`);
    }
  } finally {
    state.inFlight = false;
    if (state.dirty && hasContent()) {
      predict();
    } else if (version === state.version) {
      guess.dataset.state = outcome;
    }
  }
}

// -- showing the answer -------------------------------------------------

function buildBars() {
  for (let d = 0; d < 10; d += 1) {
    const item = document.createElement("li");
    item.innerHTML =
      `<span class="label">${d}</span>` +
      '<span class="track"><span class="fill"></span></span>' +
      '<span class="value">–</span>';
    bars.append(item);
  }
}

function showBars(probabilities) {
  // null: no guess, so empty bars and no best digit.
  const best = probabilities
    ? probabilities.indexOf(Math.max(...probabilities))
    : -1;
  bars.querySelectorAll("li").forEach((item, d) => {
    const p = probabilities ? probabilities[d] : 0;
    const percent = probabilities
      ? `${(100 * p).toFixed(p < 0.1 ? 1 : 0)}%`
      : "–";
    item.querySelector(".fill").style.width = `${100 * p}%`;
    item.querySelector(".value").textContent = percent;
    item.classList.toggle("best", d === best);
    item.setAttribute("aria-label", `digit ${d}: ${percent}`);
  });
}

function showSeen(input) {
  seen.width = input.width;
  seen.height = input.height;
  const image = seen.getContext("2d").createImageData(input.width, input.height);
  input.pixels.forEach((ink, i) => {
    const grey = Math.round(255 * (1 - ink));
    image.data.set([grey, grey, grey, 255], 4 * i);
  });
  seen.getContext("2d").putImageData(image, 0, 0);
  seenCaption.textContent =
    `${input.width}×${input.height} pixels: your drawing after the same ` +
    "preprocessing barenet predict uses.";
}

function showGuess(answer) {
  digit.textContent = String(answer.digit);
  statusLine.textContent = `It reads a ${answer.digit}.`;
  showBars(answer.probabilities);
  showSeen(answer.input);
}

function showProblem(detail) {
  digit.textContent = "?";
  statusLine.textContent = detail;
  showBars(null);
  guess.dataset.state = "error";
}

function showIdle() {
  digit.textContent = "?";
  statusLine.textContent = "Draw a digit to see what the network thinks.";
  showBars(null);
  seen.getContext("2d").clearRect(0, 0, seen.width, seen.height);
  guess.dataset.state = "idle";
}

// -- the model ----------------------------------------------------------

function percent(fraction) {
  return fraction === null ? "unknown" : `${(100 * fraction).toFixed(1)}%`;
}

function modelLabel(model) {
  if (model.error) {
    return `${model.id} (cannot be used)`;
  }
  return `${model.id} · ${model.dataset || "?"} · ${percent(model.test_accuracy)}`;
}

function showModel(id) {
  const model = state.models.get(id);
  const set = (name, text) => {
    document.getElementById(`fact-${name}`).textContent = text;
  };
  set("architecture", model ? model.architecture : "–");
  set("dataset", model ? model.dataset || "unknown" : "–");
  set("accuracy", model ? percent(model.test_accuracy) : "–");
  set(
    "created",
    model && model.created ? new Date(model.created).toLocaleString() : "–",
  );
}

async function loadModels() {
  const response = await fetch("/api/models");
  const list = await response.json();
  modelSelect.replaceChildren();
  for (const model of list.models) {
    state.models.set(model.id, model);
    const option = new Option(modelLabel(model), model.id);
    option.disabled = model.error !== null;
    modelSelect.append(option);
  }
  state.modelId = list.default;
  modelSelect.disabled = list.default === null;
  document.getElementById("no-model").hidden = list.default !== null;
  document.getElementById("no-model-hint").textContent = list.hint || "";
  if (list.default !== null) {
    modelSelect.value = list.default;
  }
  showModel(list.default);
}

function chooseModel() {
  state.modelId = modelSelect.value;
  showModel(state.modelId);
  changed();
}

// -- input: pointer, keyboard, files ------------------------------------

function onPointerDown(event) {
  if (event.button !== 0) {
    return;
  }
  event.preventDefault();
  pad.setPointerCapture(event.pointerId);
  pad.dataset.pointer = event.pointerType; // "mouse", "pen" or "touch"
  startStroke(padPoint(event));
}

function onPointerMove(event) {
  if (state.current === null || state.keyPen.down) {
    return;
  }
  const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
  extendStroke((events.length ? events : [event]).map(padPoint));
}

function showCursor() {
  const box = pad.getBoundingClientRect();
  cursor.style.left = `${(state.keyPen.x * box.width) / pad.width}px`;
  cursor.style.top = `${(state.keyPen.y * box.height) / pad.height}px`;
  cursor.classList.toggle("down", state.keyPen.down);
  cursor.hidden = false;
}

function liftKeyPen() {
  if (state.keyPen.down) {
    state.keyPen.down = false;
    endStroke();
  }
}

const ARROWS = {
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
  ArrowUp: [0, -1],
  ArrowDown: [0, 1],
};

function onPadKey(event) {
  const pen = state.keyPen;
  if (event.key in ARROWS) {
    const step = event.shiftKey ? KEY_SMALL_STEP : KEY_STEP;
    const [dx, dy] = ARROWS[event.key];
    pen.x = Math.min(pad.width, Math.max(0, pen.x + dx * step));
    pen.y = Math.min(pad.height, Math.max(0, pen.y + dy * step));
    if (pen.down) {
      extendStroke([[pen.x, pen.y]]);
    }
  } else if (event.key === " " || event.key === "Enter") {
    if (pen.down) {
      liftKeyPen();
    } else {
      pen.down = true;
      startStroke([pen.x, pen.y]);
    }
  } else {
    return;
  }
  event.preventDefault();
  showCursor();
}

function onAnyKey(event) {
  const typing = event.target.matches("input, select, textarea");
  if ((event.ctrlKey || event.metaKey) && event.key === "z" && !typing) {
    event.preventDefault();
    liftKeyPen();
    undo();
  } else if (event.key === "Escape" && !typing) {
    liftKeyPen();
    clearPad();
  }
}

async function onFile() {
  const file = fileInput.files[0];
  if (!file) {
    return;
  }
  let bitmap = null;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    // Not an image the browser can show: send it anyway, the server says why.
  }
  state.strokes = [];
  endStroke();
  state.upload = { file, bitmap };
  redraw();
  changed();
}

function start() {
  buildBars();
  redraw();
  showIdle();
  pad.addEventListener("pointerdown", onPointerDown);
  pad.addEventListener("pointermove", onPointerMove);
  pad.addEventListener("pointerup", endStroke);
  pad.addEventListener("pointercancel", endStroke);
  pad.addEventListener("keydown", onPadKey);
  pad.addEventListener("focus", () => {
    if (pad.matches(":focus-visible")) {
      showCursor();
    }
  });
  pad.addEventListener("blur", () => {
    liftKeyPen();
    cursor.hidden = true;
  });
  document.addEventListener("keydown", onAnyKey);
  document.getElementById("undo").addEventListener("click", undo);
  document.getElementById("clear").addEventListener("click", clearPad);
  fileInput.addEventListener("change", onFile);
  modelSelect.addEventListener("change", chooseModel);
  loadModels().catch((error) => {
    showProblem(`Could not list the models (${error.message}).`);
  });
}

start();
