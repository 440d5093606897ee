// Floor 3: the hello plus one Worker looping in ppoll through bun:ffi.
const w = new Worker(process.env.FLOOR_COMPILED === "1" ? "./ppoll-worker.ts" : new URL("./ppoll-worker.ts", import.meta.url).href);
w.onmessage = () => console.log("ready");
setInterval(() => {}, 60_000);
