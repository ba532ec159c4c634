# wmesh_add_module(target sources...): build a wmesh module (target.js and
# target.wasm in the build directory) from C sources whose functions are
# registered with WM_EXPORT, linked against the wmesh runtime.
set(WMESH_LINK_FLAGS
  -sMODULARIZE=1
  -sEXPORT_NAME=wmeshModule
  -sASYNCIFY=1
  -sALLOW_MEMORY_GROWTH=1
  -sINITIAL_MEMORY=33554432
  -sENVIRONMENT=web,worker,node
  -sNODEJS_CATCH_EXIT=0
  -sNODEJS_CATCH_REJECTION=0
  -sEXPORTED_FUNCTIONS=_malloc,_free,_wm__init,_wm__scratch,_wm__run_entry,_wm__on_ctrl,_wm__on_port,_wm__on_port_close,_wm__on_timer,_wm__on_worker_exit,_wm__on_worker_up,_wm__js_lookup,_wm__js_call,_wm__js_stats,_wm__js_cancel
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
