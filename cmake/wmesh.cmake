# wmesh_add_module(target sources...): build a wmesh module (target.js and
# target.wasm in the build directory) from C sources whose functions are
# registered with WM_EXPORT, linked against the wmesh runtime.
#
# In this repository, CMakeLists.txt builds the runtime (target wmesh) from
# source before including this file. From the npm package, the runtime
# comes prebuilt, found relative to this file: ../dist/libwmesh.a and
# ../include. It was built with Debian's emscripten 3.1.6; link it with the
# same emcc.
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

function(wmesh_add_module target)
  add_executable(${target} ${ARGN})
  target_link_libraries(${target} PRIVATE wmesh)
  # Registration runs from constructors; keep every object of the sources.
  target_link_options(${target} PRIVATE ${WMESH_LINK_FLAGS})
  set_target_properties(${target} PROPERTIES SUFFIX ".js")
  # The glue is CommonJS; mark its folder so that a "type": "module"
  # package around it does not make Node load it as ESM.
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/package.json "{\"type\": \"commonjs\"}\n")
endfunction()
