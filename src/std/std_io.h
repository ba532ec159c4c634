/* std_io.h: whole-input reads for the standard module's functions. */
#ifndef WMESH_STD_IO_H
#define WMESH_STD_IO_H

#include <stddef.h>
#include <stdint.h>

#include "wmesh.h"

/* std_read_all reads p to EOF into a malloc'd buffer (*buf, *len). It fails
 * with WMSTD_ETOOBIG as soon as the input passes WMSTD_MAX_INPUT bytes, with
 * WM_ENOMEM if the buffer cannot grow, or with the pipe's error; on failure
 * *buf is NULL and nothing is left to free. */
int std_read_all(wm_pipe p, uint8_t **buf, size_t *len);

#endif
