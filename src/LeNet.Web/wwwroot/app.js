// Draw a digit: pointer events draw on the canvas; while the user draws, the canvas goes to
// POST /api/predict as a PNG at most every THROTTLE_MS (one request in flight, the latest drawing wins),
// and the answer fills #prediction and the bar chart. The server does the MNIST-style preprocessing.
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
  const context = canvas.getContext("2d");

  let hasInk = false;
  let drawing = null;          // { id, x, y } of the pointer that is drawing
  let inFlight = false;        // a request is on its way
  let pending = false;         // the drawing changed since the last request was sent
  let timer = 0;
  let lastSent = -Infinity;
  let generation = 0;          // bumped by Clear: answers for an earlier drawing are dropped

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
    setStatus("Draw a digit in the box.");
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
      const png = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
      const response = await fetch(`/api/predict?model=${encodeURIComponent(model)}`, {
        method: "POST",
        headers: { "Content-Type": "image/png" },
        body: png,
      });
      const answer = await response.json();
      if (sentFor !== generation) {
        return;
      }
      if (response.ok) {
        show(answer);
      } else {
        // RFC 7807 problem details: the title and the detail say what went wrong.
        setStatus(`${answer.title ?? "Error"}: ${answer.detail ?? response.status}`, true);
      }
    } catch (error) {
      if (sentFor === generation) {
        setStatus(`The server could not be reached (${error.message}).`, true);
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
    const milliseconds = (answer.elapsedMicroseconds / 1000).toFixed(2);
    const name = answer.model.charAt(0).toUpperCase() + answer.model.slice(1);
    setStatus(`${name} model: ${sure}% sure, ${milliseconds} ms on the server.`);
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
})();
