// Draw a digit: pointer events draw on the canvas; while the user draws, the canvas goes to the page's
// classifier at most every THROTTLE_MS (one question in flight, the latest drawing wins), and the answer
// fills #prediction and the bar chart. The classifier is classifier.js, loaded before this script: the
// web app's sends a PNG to POST /api/predict, the WebAssembly app's runs LeNet in .NET inside the page.
// Both apps share this script, index.html and app.css.
"use strict";

(() => {
  const THROTTLE_MS = 120;
  // MNIST strokes are about 2.5 px in a 20 px digit box: with a digit filling ~3/4 of the canvas,
  // that is about 1/13 of the canvas side.
  const STROKE_FRACTION = 0.075;
  const PAD = "#10141c";
  const INK = "#ffffff";

  const canvas = document.getElementById("digit-canvas");
  const clearButton = document.getElementById("clear");
  const prediction = document.getElementById("prediction");
  const status = document.getElementById("status");
  const bars = Array.from(document.querySelectorAll("#probabilities li"));
  const context = canvas.getContext("2d", { willReadFrequently: true });
  // window.lenetClassifier: { ready: Promise, where: "on the server", tagline?, about? (HTML replacing
  //   #tagline and #about), classify(canvas, model) → Promise<{ digit, probabilities[10], model, elapsedMicroseconds }> }.
  const classifier = window.lenetClassifier;
  for (const id of ["tagline", "about"]) {
    if (classifier[id]) {
      document.getElementById(id).innerHTML = classifier[id];
    }
  }

  let hasInk = false;
  let drawing = null;          // { id, x, y } of the pointer that is drawing
  let inFlight = false;        // a request is on its way
  let pending = false;         // the drawing changed since the last request was sent
  let timer = 0;
  let lastSent = -Infinity;
  let generation = 0;          // bumped by Clear: answers for an earlier drawing are dropped
  let ready = false;           // the classifier has loaded

  function resetCanvas() {
    context.fillStyle = PAD;
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.strokeStyle = INK;
    context.fillStyle = INK;
    context.lineWidth = canvas.width * STROKE_FRACTION;
    context.lineCap = "round";
    context.lineJoin = "round";
  }

  function toCanvas(event) {
    const box = canvas.getBoundingClientRect();
    return {
      x: (event.clientX - box.left) * (canvas.width / box.width),
      y: (event.clientY - box.top) * (canvas.height / box.height),
    };
  }

  function dot(point) {
    context.beginPath();
    context.arc(point.x, point.y, context.lineWidth / 2, 0, 2 * Math.PI);
    context.fill();
  }

  function line(from, to) {
    context.beginPath();
    context.moveTo(from.x, from.y);
    context.lineTo(to.x, to.y);
    context.stroke();
  }

  canvas.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 || drawing) {
      return;
    }
    event.preventDefault();
    try {
      canvas.setPointerCapture(event.pointerId);   // keep the stroke when the pointer leaves the canvas
    } catch {
      // A pointer that is no longer active (or a synthetic one) cannot be captured: draw without.
    }
    const point = toCanvas(event);
    drawing = { id: event.pointerId, ...point };
    dot(point);
    hasInk = true;
    requestPrediction();
  });

  canvas.addEventListener("pointermove", (event) => {
    if (!drawing || event.pointerId !== drawing.id) {
      return;
    }
    // Coalesced events keep fast strokes smooth where the browser batches moves.
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    for (const e of events.length > 0 ? events : [event]) {
      const point = toCanvas(e);
      line(drawing, point);
      drawing.x = point.x;
      drawing.y = point.y;
    }
    requestPrediction();
  });

  function endStroke(event) {
    if (drawing && event.pointerId === drawing.id) {
      drawing = null;
      requestPrediction();
    }
  }

  canvas.addEventListener("pointerup", endStroke);
  canvas.addEventListener("pointercancel", endStroke);

  function clear() {
    generation++;
    hasInk = false;
    pending = false;
    resetCanvas();
    prediction.textContent = "";
    delete prediction.dataset.model;
    showProbabilities(null, -1);
    setStatus(ready ? "Draw a digit in the box." : "Loading LeNet…");
  }

  clearButton.addEventListener("click", clear);
  // Escape, Delete or Backspace anywhere on the page clears too (it has no text field to type in).
  document.addEventListener("keydown", (event) => {
    if ((event.key === "Escape" || event.key === "Delete" || event.key === "Backspace") && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      clear();
    }
  });

  for (const radio of document.querySelectorAll('input[name="model"]')) {
    radio.addEventListener("change", () => {
      if (hasInk) {
        requestPrediction();
      }
    });
  }

  function selectedModel() {
    return document.querySelector('input[name="model"]:checked').value;
  }

  // At most one request in flight and one every THROTTLE_MS; the drawing sent is always the latest.
  function requestPrediction() {
    if (!hasInk) {
      return;
    }
    pending = true;
    schedule();
  }

  function schedule() {
    if (inFlight || timer) {
      return;
    }
    const wait = Math.max(0, lastSent + THROTTLE_MS - performance.now());
    timer = setTimeout(() => {
      timer = 0;
      if (pending && !inFlight) {
        send();
      }
    }, wait);
  }

  async function send() {
    pending = false;
    inFlight = true;
    lastSent = performance.now();
    const sentFor = generation;
    const model = selectedModel();
    try {
      await classifier.ready;
      const answer = await classifier.classify(canvas, model);
      if (sentFor === generation) {
        show(answer);
      }
    } catch (error) {
      if (sentFor === generation) {
        setStatus(error.message, true);
      }
    } finally {
      inFlight = false;
      if (pending) {
        schedule();
      }
    }
  }

  function show(answer) {
    prediction.textContent = String(answer.digit);
    prediction.dataset.model = answer.model;
    showProbabilities(answer.probabilities, answer.digit);
    const sure = (answer.probabilities[answer.digit] * 100).toFixed(1);
    // The time the classifier took (preprocessing and the forward pass), also for scripts and tests.
    window.lenetLastMs = answer.elapsedMicroseconds / 1000;
    const milliseconds = window.lenetLastMs.toFixed(2);
    const name = answer.model.charAt(0).toUpperCase() + answer.model.slice(1);
    setStatus(`${name} model: ${sure}% sure, ${milliseconds} ms ${classifier.where}.`);
  }

  function showProbabilities(probabilities, top) {
    bars.forEach((bar, digit) => {
      const p = probabilities ? probabilities[digit] : 0;
      bar.querySelector(".fill").style.setProperty("--p", p.toFixed(4));
      bar.querySelector(".value").textContent = `${Math.round(p * 100)}%`;
      bar.setAttribute("aria-label", `${digit}: ${(p * 100).toFixed(1)} percent`);
      bar.classList.toggle("top", digit === top);
    });
  }

  function setStatus(text, isError = false) {
    status.textContent = text;
    status.classList.toggle("error", isError);
  }

  resetCanvas();
  setStatus("Loading LeNet…");
  classifier.ready.then(
    () => {
      ready = true;
      // For tests and scripts: the first drawing is answered at once, and when that became true.
      document.body.dataset.ready = "true";
      document.body.dataset.readyAt = String(Math.round(performance.now()));
      if (!hasInk) {
        setStatus("Draw a digit in the box.");
      }
    },
    (error) => setStatus(`LeNet could not be loaded (${error.message}).`, true));
})();
