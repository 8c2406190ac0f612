using LeNet.Browser;
using Microsoft.AspNetCore.Components.WebAssembly.Hosting;

// Runs when blazor.webassembly.js (loaded by classifier.js) has started .NET in the page: load both
// pretrained LeNets (each also emitted as WebAssembly, which the page instantiates), tell the page, then
// keep the runtime alive for its calls. No components: the page is the web app's index.html, and its
// script calls PageClassifier.Classify through [JSExport].
WebAssemblyHost host = WebAssemblyHostBuilder.CreateDefault(args).Build();
await PageClassifier.LoadAsync();
PageClassifier.NotifyReady();
await host.RunAsync();
