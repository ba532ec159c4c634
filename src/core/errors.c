/* errors.c: wm_strerror, over the one list of error codes (WM_ERRNO_MAP in
 * include/wmesh.h). */
#include "wmesh.h"

#define MESSAGE(name, value, text) [-(value)] = text,
static const char *const messages[] = {"success", WM_ERRNO_MAP(MESSAGE)};
#undef MESSAGE

/* Every code has its description, and WM_ERRMAX is one past the last. */
_Static_assert(sizeof messages / sizeof messages[0] == -(WM_ERRMAX),
               "WM_ERRMAX follows the last code of WM_ERRNO_MAP");

const char *wm_strerror(int err) {
  if (err > 0 || err <= WM_ERRMAX || !messages[-err]) return "unknown error";
  return messages[-err];
}
