// The WebAssembly app's classifier for app.js (the page, its styles and app.js are the web app's):
// LeNet runs in .NET inside this page. This script starts Blazor's runtime; Program.cs loads both
// pretrained models and calls dotnetReady(); then each drawing's grey pixels go to
// PageClassifier.Classify ([JSExport]), which preprocesses them like MNIST and runs the model. After the
// page has loaded nothing goes over the network.
"use strict";

(() => {
  let exports = null;
  let settle;
  const ready = new Promise((resolve, reject) => { settle = { resolve, reject }; });

  window.lenetClassifier = {
    ready,
    where: "in this page",
    tagline: "LeNet reads it as you draw &mdash; a convolutional network in pure C#, running in this page on .NET WebAssembly.",
    about: "Nothing leaves your browser: the drawing is cropped, scaled and centred like MNIST and read by LeNet in .NET on WebAssembly, inside this page. It works offline.",

    // Called by .NET once the models are loaded.
    dotnetReady() {
      globalThis.getDotnetRuntime(0).getAssemblyExports("LeNet.Browser.dll").then(
        (assembly) => {
          exports = assembly.LeNet.Browser.PageClassifier;
          window.lenetClassifier.vector128 = exports.Vector128Accelerated();
          settle.resolve();
        },
        settle.reject);
    },

    async classify(canvas, model) {
      const answer = exports.Classify(greyPixels(canvas), canvas.width, canvas.height, model);
      return { digit: answer[0], elapsedMicroseconds: answer[1], probabilities: Array.from(answer.slice(2)), model };
    },

    // For measurements: [preprocessing µs, Forward µs, compiled Predictor µs] on the current drawing.
    timeSteps(canvas, model) {
      return Array.from(exports.TimeSteps(greyPixels(canvas), canvas.width, canvas.height, model));
    },
  };

  // The canvas is opaque: grey is Rec. 601 luma, as the web app's server computes it from the PNG.
  function greyPixels(canvas) {
    const rgba = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    const grey = new Uint8Array(canvas.width * canvas.height);
    for (let i = 0, j = 0; i < grey.length; i++, j += 4) {
      grey[i] = Math.round((0.299 * rgba[j]) + (0.587 * rgba[j + 1]) + (0.114 * rgba[j + 2]));
    }

    return grey;
  }

  // Blazor started by hand, so that a failed start shows on the page instead of "Loading" for ever.
  const blazor = document.createElement("script");
  blazor.src = "_framework/blazor.webassembly.js";
  blazor.setAttribute("autostart", "false");
  blazor.onload = () => window.Blazor.start().catch(settle.reject);
  blazor.onerror = () => settle.reject(new Error("_framework/blazor.webassembly.js did not load"));
  document.head.append(blazor);
})();
