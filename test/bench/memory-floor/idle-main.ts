// Floor 2: the hello plus one idle Worker (the compiled binary's second entry point).
const w = new Worker(process.env.FLOOR_COMPILED === "1" ? "./idle-worker.ts" : new URL("./idle-worker.ts", import.meta.url).href);
w.onmessage = () => console.log("ready");
setInterval(() => {}, 60_000);
