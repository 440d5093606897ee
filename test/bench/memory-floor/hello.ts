// Floor 1: a compiled Bun program that stays alive and does nothing.
setInterval(() => {}, 60_000);
console.log("ready");
