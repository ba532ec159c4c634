# wmesh.cmake: build wmesh modules from C. Include it after project() in a
# project configured with plain `emcmake cmake -S . -B build`:
#
#   include(${CMAKE_SOURCE_DIR}/node_modules/wmesh/cmake/wmesh.cmake)
#   wmesh_add_module(shout shout.c)
#
# wmesh_add_module(target [STD] sources...) builds a module (target.js and
# target.wasm in the build directory) from C sources whose functions are
# registered with WM_EXPORT, linked against the wmesh runtime, and writes
# beside it target.d.ts, the TypeScript names of its functions (below), and
# target.mjs, the glue as an ES module, for pages with a strict Content
# Security Policy (pass it as createMesh's `module` there).
#
# With STD, the module also has every function of the standard module
# (deflate, inflate, sha256, img_*...: the README's "Standard module"),
# linked whole from the library libwmesh_std.a, so that one chain can mix
# them with the module's own; include/wmesh_std.h declares the compression
# functions for C and the module's error codes:
#
#   wmesh_add_module(mine STD mine.c)   # mesh.chain(['mine', 'deflate'], x)
#
# wmesh_declare_functions(target names...) adds names to target.d.ts:
# functions registered by hand with wm_register, which the .wasm does not
# mark (WM_EXPORT and WM_EXPORT_AS do).
#
# In this repository, CMakeLists.txt builds the runtime (target wmesh) from
# source before including this file, and the standard library (target
# wmesh_std_lib) too. From the npm package, both come prebuilt, found
# relative to this file: ../dist/libwmesh.a, ../dist/libwmesh_std.a and
# ../include. It was built with Debian's emscripten 3.1.6; link it with the
# same emcc.
#
# This file also makes a plain `emcmake cmake -S . -B build` enough: with no
# CMAKE_BUILD_TYPE it builds Release, and it fixes two things of Debian's
# emscripten for the project that includes it, so that nothing needs to be
# exported or passed:
#  - emcc's JS optimizer (every link at -O2 and up) needs the acorn parser,
#    which Debian installs in /usr/share/nodejs, where a Node.js that is
#    not Debian's does not look: links run with that folder on NODE_PATH.
#  - emcmake sets CMAKE_CROSSCOMPILING_EMULATOR to node with
#    --experimental-wasm-threads, a flag Node 20 refuses, and the 3.1.6
#    glue fails under Node 18+ anyway, fetching its .wasm by file path: the
#    emulator keeps only the flags node accepts, plus
#    --no-experimental-fetch (try_run, add_test and custom commands running
#    a built target use it).
#
# Run as a script (cmake -P wmesh.cmake), it writes a module's .d.ts; that
# is how wmesh_add_module's post-build step uses it.

# ---- Script mode: write <module>.d.ts -------------------------------------
#
# The names are those behind the marker "wm:export:" in the .wasm's data
# (include/wmesh.h), but for the runtime's own (wm_*), plus
# WMESH_DTS_EXTRA (comma-separated).
if(CMAKE_SCRIPT_MODE_FILE)
  # <module>.mjs: the same glue as an ES module, for pages whose Content
  # Security Policy forbids eval: js/env/glue.js imports a .mjs glue where
  # it must otherwise evaluate the classic one's text. (Node keeps the
  # CommonJS .js: the glue's Node branches use require.)
  if(WMESH_MJS_GLUE AND WMESH_MJS_OUT)
    file(READ "${WMESH_MJS_GLUE}" glue)
    get_filename_component(glue_name "${WMESH_MJS_GLUE}" NAME)
    file(WRITE "${WMESH_MJS_OUT}.tmp"
      "// The glue ${glue_name} as an ES module, written by cmake/wmesh.cmake.\n"
      "${glue}\nexport default wmeshModule;\n")
    execute_process(COMMAND "${CMAKE_COMMAND}" -E copy_if_different
      "${WMESH_MJS_OUT}.tmp" "${WMESH_MJS_OUT}")
    file(REMOVE "${WMESH_MJS_OUT}.tmp")
  endif()
  if(NOT WMESH_DTS_WASM OR NOT WMESH_DTS_OUT)
    message(FATAL_ERROR "wmesh.cmake -P: pass -DWMESH_DTS_WASM=<module.wasm> -DWMESH_DTS_OUT=<module.d.ts>")
  endif()
  file(STRINGS "${WMESH_DTS_WASM}" marked REGEX "wm:export:")
  set(names)
  foreach(s IN LISTS marked)
    string(REGEX MATCH "wm:export:(.+)$" _ "${s}")
    set(n "${CMAKE_MATCH_1}")
    # wm_* are the runtime's own (wm_subscriber, for mesh.subscribe).
    if(NOT n MATCHES "^wm_")
      list(APPEND names "${n}")
    endif()
  endforeach()
  if(WMESH_DTS_EXTRA)
    string(REPLACE "," ";" extra "${WMESH_DTS_EXTRA}")
    list(APPEND names ${extra})
  endif()
  list(REMOVE_DUPLICATES names)
  list(SORT names)
  set(union)
  foreach(n IN LISTS names)
    if(NOT n MATCHES "^[^\"'\\\\]+$")
      message(FATAL_ERROR "wmesh: ${WMESH_DTS_WASM}: function name '${n}' cannot be a TypeScript string literal")
    endif()
    string(APPEND union "\n  | '${n}'")
  endforeach()
  if(NOT union)
    set(union " never")
  endif()
  get_filename_component(module "${WMESH_DTS_OUT}" NAME_WE)
  file(WRITE "${WMESH_DTS_OUT}.tmp" "\
// ${module}.d.ts: the functions of the wmesh module ${module}, written by
// cmake/wmesh.cmake when it was built (do not edit). A mesh typed with it
// takes only these names, so that a typo is a compile error:
//
//   import type { FnName } from './${module}.js';
//   const mesh = await createMesh<FnName>({ module: './${module}.js' });
//   mesh.go('typo'); // error TS2345

/** The names of the module's functions (WM_EXPORT). */
export type FnName =${union};

/** A mesh running this module: go, chain, start and startAll take only its names. */
export type Mesh = import('wmesh').Mesh<FnName>;
")
  # Only a changed declaration touches the file (and what depends on it).
  execute_process(COMMAND "${CMAKE_COMMAND}" -E copy_if_different
    "${WMESH_DTS_OUT}.tmp" "${WMESH_DTS_OUT}")
  file(REMOVE "${WMESH_DTS_OUT}.tmp")
  return()
endif()

# ---- The runtime ------------------------------------------------------------

if(NOT TARGET wmesh)
  get_filename_component(WMESH_ROOT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
  if(NOT EXISTS "${WMESH_ROOT}/dist/libwmesh.a")
    message(FATAL_ERROR "wmesh: no prebuilt runtime at ${WMESH_ROOT}/dist/libwmesh.a "
                        "(in a checkout of the repository, build target wmesh first)")
  endif()
  add_library(wmesh STATIC IMPORTED)
  set_target_properties(wmesh PROPERTIES
    IMPORTED_LOCATION "${WMESH_ROOT}/dist/libwmesh.a"
    INTERFACE_INCLUDE_DIRECTORIES "${WMESH_ROOT}/include")
endif()
# The standard library, for wmesh_add_module(... STD ...).
if(NOT TARGET wmesh_std_lib)
  get_filename_component(WMESH_ROOT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
  if(EXISTS "${WMESH_ROOT}/dist/libwmesh_std.a")
    add_library(wmesh_std_lib STATIC IMPORTED)
    set_target_properties(wmesh_std_lib PROPERTIES
      IMPORTED_LOCATION "${WMESH_ROOT}/dist/libwmesh_std.a"
      INTERFACE_INCLUDE_DIRECTORIES "${WMESH_ROOT}/include"
      INTERFACE_LINK_LIBRARIES wmesh)
  endif()
endif()

# ---- Debian's emscripten, without incantations -------------------------------

# A module is wanted optimised: with no build type, Release.
get_property(_wmesh_multi GLOBAL PROPERTY GENERATOR_IS_MULTI_CONFIG)
if(NOT CMAKE_BUILD_TYPE AND NOT _wmesh_multi)
  message(STATUS "wmesh: no CMAKE_BUILD_TYPE; building Release")
  set(CMAKE_BUILD_TYPE Release CACHE STRING "build type (wmesh.cmake: Release unless given)" FORCE)
endif()

# An emulator that runs what emcc builds: node, with only the flags it
# accepts, and without global fetch, which the 3.1.6 glue would use to load
# its .wasm from a file path and fail (Node 18 and later).
if(CMAKE_CROSSCOMPILING_EMULATOR)
  set(_wmesh_emu ${CMAKE_CROSSCOMPILING_EMULATOR})
  list(GET _wmesh_emu 0 _wmesh_node)
  get_filename_component(_wmesh_name "${_wmesh_node}" NAME)
  if(_wmesh_name MATCHES "^node(js)?(\\.exe)?$")
    list(REMOVE_AT _wmesh_emu 0)
    set(_wmesh_new "${_wmesh_node}")
    foreach(_wmesh_flag IN LISTS _wmesh_emu ITEMS --no-experimental-fetch)
      execute_process(COMMAND "${_wmesh_node}" ${_wmesh_flag} -e ""
        RESULT_VARIABLE _wmesh_rc OUTPUT_QUIET ERROR_QUIET)
      list(FIND _wmesh_new "${_wmesh_flag}" _wmesh_at)
      if(_wmesh_rc EQUAL 0 AND _wmesh_at EQUAL -1)
        list(APPEND _wmesh_new "${_wmesh_flag}")
      endif()
    endforeach()
    if(NOT "${_wmesh_new}" STREQUAL "${CMAKE_CROSSCOMPILING_EMULATOR}")
      message(STATUS "wmesh: emulator '${CMAKE_CROSSCOMPILING_EMULATOR}' -> '${_wmesh_new}'")
      set(CMAKE_CROSSCOMPILING_EMULATOR "${_wmesh_new}" CACHE STRING "emulator for try_run and tests (wmesh.cmake)" FORCE)
      set(CMAKE_CROSSCOMPILING_EMULATOR "${_wmesh_new}")
    endif()
  endif()
endif()

# Debian's acorn for emcc's JS optimizer, on NODE_PATH for every link of
# this directory's targets from here on (kept if already set).
find_path(WMESH_ACORN_DIR acorn/package.json
  PATHS /usr/share/nodejs /usr/lib/nodejs
  NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH)
if(WMESH_ACORN_DIR)
  set(_wmesh_node_path "${WMESH_ACORN_DIR}")
  if(DEFINED ENV{NODE_PATH} AND NOT "$ENV{NODE_PATH}" STREQUAL "")
    set(_wmesh_node_path "${WMESH_ACORN_DIR}:$ENV{NODE_PATH}")
  endif()
  if(CMAKE_VERSION VERSION_GREATER_EQUAL 3.21)
    if(NOT DEFINED CMAKE_C_LINKER_LAUNCHER)
      set(CMAKE_C_LINKER_LAUNCHER "${CMAKE_COMMAND}" -E env "NODE_PATH=${_wmesh_node_path}")
    endif()
    if(NOT DEFINED CMAKE_CXX_LINKER_LAUNCHER)
      set(CMAKE_CXX_LINKER_LAUNCHER "${CMAKE_COMMAND}" -E env "NODE_PATH=${_wmesh_node_path}")
    endif()
  else()
    get_property(_wmesh_launch DIRECTORY PROPERTY RULE_LAUNCH_LINK)
    if(NOT _wmesh_launch)
      set_property(DIRECTORY PROPERTY RULE_LAUNCH_LINK
        "\"${CMAKE_COMMAND}\" -E env \"NODE_PATH=${_wmesh_node_path}\"")
    endif()
  endif()
endif()

# ---- Modules -----------------------------------------------------------------

set(WMESH_LINK_FLAGS
  -mbulk-memory
  -sMODULARIZE=1
  -sEXPORT_NAME=wmeshModule
  -sASYNCIFY=1
  # A fiber's stack is heap with no guard page: check every move of the
  # stack pointer against the running fiber's stack (src/em/ctx_em.c).
  -sSTACK_OVERFLOW_CHECK=2
  -sALLOW_MEMORY_GROWTH=1
  -sINITIAL_MEMORY=33554432
  -sENVIRONMENT=web,worker,node
  -sNODEJS_CATCH_EXIT=0
  -sNODEJS_CATCH_REJECTION=0
  -sEXPORTED_FUNCTIONS=_malloc,_free,_wm__init,_wm__scratch,_wm__run_entry,_wm__on_ctrl,_wm__on_port,_wm__port_buf,_wm__on_port_data,_wm__on_port_close,_wm__on_timer,_wm__on_worker_exit,_wm__on_worker_up,_wm__js_lookup,_wm__js_call,_wm__js_stats,_wm__js_cancel,_wm__js_workers,_wm__js_dump
  -sEXPORTED_RUNTIME_METHODS=HEAPU8,HEAP32
  -sINCOMING_MODULE_JS_API=instantiateWasm,wmHost,print,printErr,onAbort)

set(WMESH_CMAKE_FILE "${CMAKE_CURRENT_LIST_FILE}")

# The standard library's functions that it registers by hand (wm_register,
# not WM_EXPORT), so that the .wasm does not mark them: a module with STD
# declares them in its .d.ts.
set(WMESH_STD_HAND_REGISTERED img_grayscale img_blur sha256 fnv1a64)

function(wmesh_add_module target)
  cmake_parse_arguments(PARSE_ARGV 1 _wmesh "STD" "" "")
  add_executable(${target} ${_wmesh_UNPARSED_ARGUMENTS})
  target_link_libraries(${target} PRIVATE wmesh)
  if(_wmesh_STD)
    if(NOT TARGET wmesh_std_lib)
      message(FATAL_ERROR "wmesh_add_module(${target} STD): no standard library "
                          "(dist/libwmesh_std.a beside this file's folder)")
    endif()
    # Whole: its functions register themselves from constructors, which
    # nothing references, so that the linker would otherwise drop them.
    # (lld takes archives in any order: the runtime may come after.)
    target_link_libraries(${target} PRIVATE
      -Wl,--whole-archive wmesh_std_lib -Wl,--no-whole-archive)
    set_property(TARGET ${target} APPEND PROPERTY WMESH_FUNCTIONS ${WMESH_STD_HAND_REGISTERED})
  endif()
  # Registration runs from constructors; keep every object of the sources.
  target_link_options(${target} PRIVATE ${WMESH_LINK_FLAGS})
  set_target_properties(${target} PROPERTIES SUFFIX ".js")
  # The glue is CommonJS; mark its folder so that a "type": "module"
  # package around it does not make Node load it as ESM.
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/package.json "{\"type\": \"commonjs\"}\n")
  # target.d.ts, after every link; a changed helper relinks (its flags and
  # its declaration may have changed).
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${WMESH_CMAKE_FILE}")
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND "${CMAKE_COMMAND}"
      "-DWMESH_DTS_WASM=$<TARGET_FILE_DIR:${target}>/${target}.wasm"
      "-DWMESH_DTS_OUT=$<TARGET_FILE_DIR:${target}>/${target}.d.ts"
      "-DWMESH_DTS_EXTRA=$<JOIN:$<TARGET_PROPERTY:${target},WMESH_FUNCTIONS>,$<COMMA>>"
      "-DWMESH_MJS_GLUE=$<TARGET_FILE:${target}>"
      "-DWMESH_MJS_OUT=$<TARGET_FILE_DIR:${target}>/${target}.mjs"
      -P "${WMESH_CMAKE_FILE}"
    VERBATIM)
endfunction()

function(wmesh_declare_functions target)
  set_property(TARGET ${target} APPEND PROPERTY WMESH_FUNCTIONS ${ARGN})
endfunction()
