/* registry.h: the table of functions that may run on behalf of a message. */
#ifndef WM_REGISTRY_H
#define WM_REGISTRY_H

#include <stdint.h>

#include "wmesh.h"

/* wm__registered returns the function registered at table index idx, or
 * NULL: the only way a received index ever becomes a call. */
wm_fn wm__registered(uint32_t idx);

/* wm__fn_index returns the index a registered fn travels as, or 0 if fn is
 * not registered. */
uint32_t wm__fn_index(wm_fn fn);

/* wm__registered_name returns the name fn was registered under, or NULL. */
const char *wm__registered_name(wm_fn fn);

#endif
