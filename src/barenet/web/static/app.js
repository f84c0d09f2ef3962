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
// An uploaded image is sent as the file itself, before it touches the
// pad: only a file the server reads replaces the drawing (and Undo brings
// the drawing back); one it refuses leaves the drawing and the guess as
// they were, and the reason shows beside the upload button. Strokes drawn
// over an uploaded image turn it into a drawing like any other.
//
// Everything that depends on the model (its classes' labels on the bars,
// the size and kind of picture it sees) follows the model chosen. A model
// of a table reads rows of numbers, not pictures: the page says so
// instead of asking.
//
// #guess carries data-state: "idle" (nothing to read), "busy" (a request
// is in flight or due), "done" (the guess shown is the current drawing's)
// or "error" (the server refused it; the reason is shown).

"use strict";

const PEN_WIDTH = 20; // pad pixels; the pad is 280 x 280
const KEY_STEP = 10; // pad pixels per arrow key press
const KEY_SMALL_STEP = 2; // the same, with Shift held
const DIGITS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

// What each preprocessing does to a picture (see barenet.images).
const PREPROCESSING = {
  semeion: "cropped to its ink, stretched to fill the square, black and white",
  mnist: "fitted into 20×20 keeping its shape, centred by its mass, in grey",
  usps: "fitted into the square keeping its shape, centred, in grey",
  digits: "fitted into 32×32, black and white, its ink counted in 4×4 blocks",
};

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
const uploadError = document.getElementById("upload-error");

const state = {
  strokes: [],
  current: null, // the stroke being drawn, also the last of `strokes`
  upload: null, // {file, bitmap, before} after an image was read
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
    // Back to what the pad held before the image replaced it.
    ({ strokes: state.strokes, upload: state.upload } = state.upload.before);
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
  endStroke();
  redraw();
  changed();
}

// -- asking the server --------------------------------------------------

function hasContent() {
  return state.strokes.length > 0 || state.upload !== null;
}

function readsPictures() {
  const model = state.models.get(state.modelId);
  return !model || model.reads !== "numbers";
}

function changed() {
  state.version += 1;
  showUploadError("");
  if (!hasContent() || !readsPictures()) {
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

// One question to the server: {ok, answer, detail}; detail says why not.
async function ask({ body, type }) {
  const query = state.modelId
    ? `?model=${encodeURIComponent(state.modelId)}`
    : "";
  const response = await fetch(`/api/predict${query}`, {
    method: "POST",
    headers: { "Content-Type": type },
    body,
  });
  const answer = await response.json();
  return { ok: response.ok, answer, detail: answer.detail || response.statusText };
}

async function predict() {
  const version = state.version;
  state.dirty = false;
  state.inFlight = true;
  let outcome = "error";
  try {
    const reply = await ask(await requestBody());
    if (version === state.version) {
      if (reply.ok) {
        showGuess(reply.answer);
        outcome = "done";
      } else {
        showProblem(reply.detail);
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

// A label as said after "It reads": "a 7", "an 8", "an 11", "an 80";
// a label that is not a number is quoted instead, without an article
// (“yes”), since the page cannot know how a word is said.
function readsAs(label) {
  const number = /^(\d+)(\.\d+)?$/.exec(label);
  if (!number) {
    return `“${label}”`;
  }
  // Said aloud, a number starts with a vowel sound when it starts with
  // "eight" (8, 80, 800, 8000...) or with "eleven" or "eighteen" (11,
  // 18, 11000, 18000...: two digits before a group of three).
  const whole = number[1].replace(/^0+(?=\d)/, "");
  const eleven = whole.length % 3 === 2 && /^1[18]/.test(whole);
  return `${whole.startsWith("8") || eleven ? "an" : "a"} ${label}`;
}

function buildBars(labels) {
  bars.replaceChildren();
  const widest = Math.max(...labels.map((label) => label.length));
  bars.style.setProperty("--label-width", `${Math.max(widest, 1) + 0.5}ch`);
  for (const label of labels) {
    const item = document.createElement("li");
    item.innerHTML =
      '<span class="label"></span>' +
      '<span class="track"><span class="fill"></span></span>' +
      '<span class="value">–</span>';
    item.querySelector(".label").textContent = label;
    item.dataset.label = label;
    bars.append(item);
  }
  showBars(null);
}

function showBars(probabilities) {
  // null: no guess, so empty bars and no best class.
  const best = probabilities
    ? probabilities.indexOf(Math.max(...probabilities))
    : -1;
  bars.querySelectorAll("li").forEach((item, k) => {
    const p = probabilities ? probabilities[k] : 0;
    const percent = probabilities
      ? `${(100 * p).toFixed(p < 0.1 ? 1 : 0)}%`
      : "–";
    item.querySelector(".fill").style.width = `${100 * p}%`;
    item.querySelector(".value").textContent = percent;
    item.classList.toggle("best", k === best);
    item.setAttribute("aria-label", `${item.dataset.label}: ${percent}`);
  });
}

// The frame of the picture the network sees, and what it is: both follow
// the model, so they are set when a model is chosen, before any answer.
function showSeenFrame(model) {
  seen.getContext("2d").clearRect(0, 0, seen.width, seen.height);
  seen.hidden = Boolean(model && model.reads === "numbers");
  if (seen.hidden) {
    seenCaption.textContent =
      `This model reads rows of ${model.n_inputs} numbers, not pictures.`;
    return;
  }
  if (!model || !model.input_width) {
    seenCaption.textContent =
      "Your drawing after the preprocessing its model needs.";
    return;
  }
  seen.width = model.input_width;
  seen.height = model.input_height;
  const how = PREPROCESSING[model.preprocessing] || "made ready for it";
  seenCaption.textContent =
    `${model.input_width}×${model.input_height} pixels: your drawing ` +
    `${how}, as barenet predict reads it.`;
}

function showSeen(input) {
  if (!input) {
    seen.getContext("2d").clearRect(0, 0, seen.width, seen.height);
    return;
  }
  seen.width = input.width;
  seen.height = input.height;
  const image = seen.getContext("2d").createImageData(input.width, input.height);
  input.pixels.forEach((ink, i) => {
    const grey = Math.round(255 * (1 - ink));
    image.data.set([grey, grey, grey, 255], 4 * i);
  });
  seen.getContext("2d").putImageData(image, 0, 0);
}

function showGuess(answer) {
  digit.textContent = answer.label;
  digit.classList.toggle("long", answer.label.length > 3);
  statusLine.textContent = `It reads ${readsAs(answer.label)}.`;
  showBars(answer.probabilities);
  showSeen(answer.input);
}

// No guess for the drawing on the pad: nothing of an earlier one stays.
function showProblem(detail) {
  digit.textContent = "?";
  digit.classList.remove("long");
  statusLine.textContent = detail;
  showBars(null);
  showSeen(null);
  guess.dataset.state = "error";
}

function showIdle() {
  const model = state.models.get(state.modelId);
  digit.textContent = "?";
  digit.classList.remove("long");
  statusLine.textContent =
    model && model.reads === "numbers"
      ? `The model ${model.id} reads rows of ${model.n_inputs} numbers ` +
        `(from ${model.dataset || "a table"}), not pictures, so it cannot ` +
        "read a drawing. Choose a model of digits."
      : "Draw a digit to see what the network thinks.";
  showBars(null);
  showSeen(null);
  guess.dataset.state = "idle";
}

function showUploadError(text) {
  uploadError.textContent = text;
  uploadError.hidden = !text;
}

// -- the model ----------------------------------------------------------

function percent(fraction) {
  return fraction === null ? "unknown" : `${(100 * fraction).toFixed(1)}%`;
}

function modelLabel(model) {
  if (model.error) {
    return `${model.id} (cannot be used)`;
  }
  const reads = model.reads === "numbers" ? " · reads numbers" : "";
  return (
    `${model.id} · ${model.dataset || "?"} · ` +
    `${percent(model.test_accuracy)}${reads}`
  );
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
  buildBars(model && model.labels ? model.labels : DIGITS);
  showSeenFrame(model);
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
  if (!hasContent()) {
    showIdle();
  }
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

// An image file is asked about first; only one the server reads takes the
// pad's place, so a refused file leaves the drawing and its guess alone.
async function onFile() {
  const file = fileInput.files[0];
  fileInput.value = ""; // so that choosing the same file again is a change
  if (!file) {
    return;
  }
  showUploadError("");
  const modelId = state.modelId;
  let reply;
  try {
    reply = await ask({
      body: file,
      type: file.type || "application/octet-stream",
    });
  } catch (error) {
    showUploadError(`${file.name}: the server did not answer (${error.message}).`);
    return;
  }
  if (!reply.ok) {
    showUploadError(`${file.name}: ${reply.detail}`);
    return;
  }
  let bitmap = null;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    // The server read it but the browser cannot show it: the pad stays blank.
  }
  liftKeyPen();
  endStroke();
  const before = { strokes: state.strokes, upload: state.upload };
  state.strokes = [];
  state.upload = { file, bitmap, before };
  redraw();
  if (modelId !== state.modelId) {
    changed(); // the model changed meanwhile: ask it instead
    return;
  }
  state.version += 1; // answers about the earlier drawing are stale now
  state.dirty = false;
  showGuess(reply.answer);
  guess.dataset.state = "done";
}

function start() {
  buildBars(DIGITS);
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
