// piscina_worker.mjs: the piscina baseline's task: nothing.
export default function noop() {}
