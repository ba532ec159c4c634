/* std_errors.h: the standard module's own result codes and limits, which
 * live in the public header include/wmesh_std.h (C modules linking
 * libwmesh_std.a see them there). This name stays for the sources that
 * include it (src/std, demos/text). */
#ifndef WMESH_STD_ERRORS_H
#define WMESH_STD_ERRORS_H

#include "wmesh_std.h"

#endif
