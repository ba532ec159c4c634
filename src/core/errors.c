/* errors.c: the one table of error descriptions. */
#include "wmesh.h"

static const char *const messages[] = {
    "success",
    "invalid argument",
    "not a live handle",
    "wrong pipe end for this operation",
    "the reading end of the pipe is gone",
    "deadline passed",
    "call cancelled",
    "function not registered as exportable",
    "out of memory",
    "call queue full",
    "worker died",
    "malformed or forged message refused",
    "would block outside a fiber",
    "mesh is shutting down",
    "service ended before it was ready",
    "subscriber fell too far behind",
    "no such topic",
    "no worker is alive to run the call",
};

const char *wm_strerror(int err) {
  if (err > 0 || err <= WM_ERRMAX) return "unknown error";
  return messages[-err];
}
