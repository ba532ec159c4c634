// piscina_worker.mjs: the piscina baseline's tasks: nothing (the default),
// and upper (the small calls with payload).
export default function noop() {}

export { upper } from './upper.mjs';
