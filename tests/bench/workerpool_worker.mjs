// workerpool_worker.mjs: the workerpool baseline's task: nothing.
import workerpool from 'workerpool';

workerpool.worker({ noop() {} });
