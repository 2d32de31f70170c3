# Fails if a file includes a header of a layer its own layer may not see
# (docs/design.md, "Layers"). Run as a ctest (`layers`) or by hand:
#   cmake -DROOT=<repo> -P tests/check_layers.cmake
# Only #include "..." lines count: <...> names system and third-party headers,
# which core_purity and the link of each target police.

cmake_policy(SET CMP0057 NEW) # if(IN_LIST)

# --- the one table: directory -> layer, the first matching row wins ----------
# A path is relative to the repository; a row is "regex => layer".
set(layer_of_path
  "^messages/ => proto"
  "^actors/[^/]+/core/ => core"
  "^supervisors/core/ => core"
  "^actors/storage/engine/ => storage"
  "^actors/client/ => client"
  "^actors/ => shells"
  "^supervisors/ => shells"
  "^apps/(keelctl|keel_bench|keel_jepsen|launcher)/ => tools"
  "^apps/ => apps")

# --- what each layer may include (itself included) ---------------------------
# The client library sits beside the shells, not above them: it links neither
# the storage engine nor the node's actors.
set(may_include_proto   proto)
set(may_include_core    proto core)
set(may_include_storage proto core storage)
set(may_include_shells  proto core storage shells)
set(may_include_client  proto core client)
set(may_include_apps    proto core storage shells client apps)
# The client tools are apps that are clients: no storage engine.
set(may_include_tools   proto core shells client apps tools)

# --- temporary exceptions: "path regex => layer it may include as well" -----
# Each names who removes it and when. None today: the last one (the storage
# core on the RocksDB engine) went with the storage seam (issue 7, part 3).
set(exceptions)

function(layer_of path out)
  set(layer "")
  foreach(row ${layer_of_path})
    string(REPLACE " => " ";" parts "${row}")
    list(GET parts 0 regex)
    list(GET parts 1 name)
    if(path MATCHES "${regex}")
      set(layer ${name})
      break()
    endif()
  endforeach()
  set(${out} "${layer}" PARENT_SCOPE)
endfunction()

file(GLOB_RECURSE files RELATIVE ${ROOT}
  ${ROOT}/messages/*.hpp ${ROOT}/messages/*.cpp ${ROOT}/messages/*.h
  ${ROOT}/actors/*.hpp ${ROOT}/actors/*.cpp
  ${ROOT}/supervisors/*.hpp ${ROOT}/supervisors/*.cpp
  ${ROOT}/apps/*.hpp ${ROOT}/apps/*.cpp)
set(bad "")
foreach(f ${files})
  layer_of(${f} own)
  if(NOT own)
    continue()
  endif()
  set(allowed ${may_include_${own}})
  foreach(row ${exceptions})
    string(REPLACE " => " ";" parts "${row}")
    list(GET parts 0 regex)
    list(GET parts 1 extra)
    if(f MATCHES "${regex}")
      list(APPEND allowed ${extra})
    endif()
  endforeach()
  file(STRINGS ${ROOT}/${f} lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  foreach(line ${lines})
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]*)\".*" "\\1" header "${line}")
    layer_of(${header} theirs)
    if(theirs AND NOT theirs IN_LIST allowed)
      list(JOIN allowed ", " seen)
      list(APPEND bad "  ${f} (${own}) includes \"${header}\" (${theirs}), but ${own} may include only ${seen}")
    endif()
  endforeach()
endforeach()
if(bad)
  list(JOIN bad "\n" text)
  message(FATAL_ERROR "includes across layers (table in tests/check_layers.cmake):\n${text}")
endif()
list(LENGTH files n)
message(STATUS "layers: ${n} files checked")
