// The WebAssembly app's classifier for app.js (the page, its styles and app.js are the web app's):
// LeNet runs in .NET inside this page. This script starts Blazor's runtime; Program.cs loads both
// pretrained models, has the library emit each as a WebAssembly SIMD module which lenetWasm.load
// instantiates against .NET's own memory, and calls dotnetReady(); then each drawing's grey pixels go to
// PageClassifier.Classify ([JSExport]), which preprocesses them like MNIST and runs the emitted module.
// After the page has loaded nothing goes over the network.
//
// Measurement hooks: window.lenetBench(model, n[, engine]) → Promise of the median ms of n batch-1
// network-only forwards ("modern" or "classic"; engine "wasm", the page's, or "managed"), and
// window.lenetLogits(model, pixels[, engine]) → Promise of the 10 logits for 784 pixels in [0, 1].
"use strict";

(() => {
  let exports = null;
  let graph = null;
  let networks = null;
  const managedMicroseconds = { modern: 0, classic: 0 };

  // The emitted modules: each imports .NET's linear memory (env.memory), so its forward(arena, input, output)
  // reads weights, image and logits where .NET keeps them.
  const forwards = [];
  window.lenetWasm = {
    async load(address, length) {
      const module = globalThis.getDotnetRuntime(0).Module;
      const memory = module.wasmExports?.memory ?? module.wasmMemory;
      if (!(memory instanceof WebAssembly.Memory)) {
        throw new Error("lenetWasm: the .NET runtime's WebAssembly.Memory is not reachable");
      }

      // Copied before the first await: .NET unpins the bytes when this returns.
      const bytes = new Uint8Array(memory.buffer, address, length).slice();
      const { instance } = await WebAssembly.instantiate(bytes, { env: { memory } });
      forwards.push(instance.exports.forward);
      return forwards.length - 1;
    },
    forward(id, arena, input, output) {
      forwards[id](arena, input, output);
    },
  };
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
          graph = assembly.LeNet.Browser.GraphBench;
          networks = assembly.LeNet.Browser.NetworkBench;
          window.lenetClassifier.vector128 = exports.Vector128Accelerated();
          window.lenetClassifier.wasm = { modern: exports.UsesWasm("modern"), classic: exports.UsesWasm("classic") };
          settle.resolve();
        },
        settle.reject);
    },

    async classify(canvas, model) {
      const answer = exports.Classify(greyPixels(canvas), canvas.width, canvas.height, model);
      // Both engines' times in the status line: "… 0.12 ms in this page (emitted WebAssembly; .NET's managed
      // path 9.80 ms)", the managed path timed on the previous drawing after its answer was shown.
      const managed = managedMicroseconds[model];
      window.lenetClassifier.where = managed > 0
        ? `in this page (emitted WebAssembly; .NET's managed path ${(managed / 1000).toFixed(2)} ms)`
        : "in this page";
      setTimeout(() => { managedMicroseconds[model] = exports.TimeManaged(model); }, 0);
      return { digit: answer[0], elapsedMicroseconds: answer[1], probabilities: Array.from(answer.slice(2)), model };
    },
  };

  // A graph network for measurements: CifarResNet-20 (seed 1), batch 1 at 3×32×32, its compiled segments as
  // emitted WebAssembly (engine "wasm") or all managed ("managed"): median ms of n forwards, logits for 3072 values.
  window.lenetGraphBench = (n, engine = "wasm") => ready.then(() => graph.Load()).then(() => graph.Bench(n, engine));
  window.lenetGraphLogits = (pixels, engine = "wasm") => ready.then(() => graph.Load()).then(() => Array.from(graph.Logits(Array.from(pixels), engine)));
  // torchvision's resnet18 / mobilenet_v2 (weights from a fixed seed, drawn in the page), batch 1 at 3×224×224, each
  // emitted whole as one WebAssembly module: median ms of n forwards, the 1000 logits for 150528 values.
  window.lenetNetworkBench = (name, n) => ready.then(() => networks.Load(name)).then(() => networks.Bench(name, n));
  window.lenetNetworkLogits = (name, pixels) => ready.then(() => networks.Load(name)).then(() => Array.from(networks.Logits(name, Array.from(pixels))));
  window.lenetBench = (model, n, engine = "wasm") => ready.then(() => exports.Bench(model, n, engine));
  window.lenetLogits = (model, pixels, engine = "wasm") => ready.then(() => Array.from(exports.Logits(model, Array.from(pixels), engine)));

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
