// The web app's classifier for app.js: the canvas goes to POST /api/predict as a PNG; the server crops,
// scales and centres it like MNIST, then runs LeNet. (The WebAssembly app has its own classifier.js.)
"use strict";

window.lenetClassifier = {
  ready: Promise.resolve(),
  where: "on the server",

  async classify(canvas, model) {
    const png = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
    let response;
    try {
      response = await fetch(`/api/predict?model=${encodeURIComponent(model)}`, {
        method: "POST",
        headers: { "Content-Type": "image/png" },
        body: png,
      });
    } catch (error) {
      throw new Error(`The server could not be reached (${error.message}).`);
    }

    const answer = await response.json();
    if (!response.ok) {
      // RFC 7807 problem details: the title and the detail say what went wrong.
      throw new Error(`${answer.title ?? "Error"}: ${answer.detail ?? response.status}`);
    }

    return answer;
  },
};
