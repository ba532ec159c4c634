/* wrong_sig.c: WM_EXPORT on a function that is not a wm_fn must not
 * compile, even without -Werror (package.test.mjs). */
#include "wmesh.h"

/* one_pipe takes one pipe where a wm_fn takes two. */
static int one_pipe(wm_pipe in) {
  (void)in;
  return 0;
}
WM_EXPORT(one_pipe)
