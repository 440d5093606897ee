// The Worker of floor 2: an event loop with nothing to do.
declare const self: Worker;
setInterval(() => {}, 60_000);
self.postMessage("up");
