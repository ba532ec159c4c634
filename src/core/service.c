/* service.c: long-running calls with a lifecycle: start until ready, halt
 * with a grace deadline, and groups that start and halt together. Built on
 * calls (call.c): readiness is one more frame, READY, on the call's way. */
#include "rt.h"

int wm_ready(void) { return wm__job_ready(); }

/* start is wm_start, telling in *taken whether the ends were taken. */
static int start(wm_pipe in, wm_pipe out, wm_fn fn, const wm_opts *o,
                 wm_call *c, int64_t deadline, int *taken) {
  *taken = 0;
  /* Outside a fiber it could not wait: refused before wm_go, which would
   * take the ends and leave the call running. What wm_go refuses comes
   * first, as inside. */
  if (deadline != 0 && !wm__in_fiber()) {
    int rc = c ? wm__go_check(in, out, fn, o) : WM_EINVAL;
    return rc ? rc : WM_ENOTFIBER;
  }
  int rc = wm_go(in, out, fn, o, c);
  if (rc) return rc;
  *taken = 1;
  rc = wm__wait_ready(c->id, deadline);
  if (rc == 1) return 0;
  if (rc == 0) {
    /* It ended before it was ready: report why. */
    rc = wm_wait(*c, -1);
    return rc ? rc : WM_EEARLY;
  }
  /* Not ready in time, or the caller was cancelled: halt it. */
  wm_halt(*c, wm_now() + WM__GRACE_MS);
  /* A halt that left the handle live could not end the call: a function
   * here that ignores its halt, or no fiber to wait in. The caller is told
   * the call is over, so it will never wait for it: let go of it, to be
   * freed when it ends. */
  if (!wm__own_call(c->id)) wm__call_release(c->id);
  return rc;
}

int wm_start(wm_pipe in, wm_pipe out, wm_fn fn, const wm_opts *o, wm_call *c,
             int64_t deadline) {
  int taken;
  return start(in, out, fn, o, c, deadline, &taken);
}

int wm_halt(wm_call c, int64_t grace) {
  int rc = wm__own_call(c.id);
  if (!rc) rc = wm__cancel(c.id, WM_ECANCELED);
  if (rc) return rc;
  rc = wm_wait(c, grace);
  /* WM_ETIMEDOUT is also a result: a call past its own deadline ends with
   * it, and the wait then took the handle. Only a live handle means the
   * grace ran out. */
  if (rc != WM_ETIMEDOUT || wm__own_call(c.id)) return rc;
  /* Grace is over: stop its worker, which fails the call with WM_EDIED. */
  if (wm__kill(c.id)) return WM_ETIMEDOUT;
  return wm_wait(c, -1);
}

int wm_start_all(const wm_service *svcs, size_t n, const wm_opts *o,
                 wm_call *cs, int64_t deadline) {
  if (!svcs || !cs || !n) return WM_EINVAL;
  for (size_t i = 0; i < n; i++) {
    int taken;
    int rc =
        start(svcs[i].in, svcs[i].out, svcs[i].fn, o, &cs[i], deadline, &taken);
    if (!rc) continue;
    int64_t grace = (deadline > 0 ? deadline : wm_now()) + WM__GRACE_MS;
    wm_halt_all(cs, i, grace);
    /* Those the halt could not end are let go, as in start. */
    for (size_t k = 0; k < i; k++)
      if (!wm__own_call(cs[k].id)) wm__call_release(cs[k].id);
    /* The services never started still hold their ends: close them, and
     * the failed one's too if wm_go refused it. */
    for (size_t k = taken ? i + 1 : i; k < n; k++) {
      if (svcs[k].in.id) wm_close(svcs[k].in);
      if (svcs[k].out.id) wm_close(svcs[k].out);
    }
    return rc;
  }
  return 0;
}

int wm_halt_all(wm_call *cs, size_t n, int64_t grace) {
  int first = 0;
  while (n--) {
    int rc = wm_halt(cs[n], grace);
    if (rc && rc != WM_ECANCELED && !first) first = rc;
  }
  return first;
}
