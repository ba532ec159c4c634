/* std_module.c: the standard module's own source, which is empty: the
 * module is libwmesh_std.a whole (wmesh_add_module(wmesh_std STD ...) in
 * CMakeLists.txt), exactly what a user's module gets with STD. An
 * executable needs a source of its own. */
