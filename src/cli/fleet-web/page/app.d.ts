// app.js is served as text (imported `with { type: "text" }`), never run by Bun.
declare const text: string;
export default text;
