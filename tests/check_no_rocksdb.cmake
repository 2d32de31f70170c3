# Fails if the client tool BINARY depends on RocksDB (docs/design.md,
# "Layers"): its link command names RocksDB, a shared librocksdb is among its
# libraries (ldd), or RocksDB code is linked in statically (a rocksdb:: symbol).
# The link command matters on its own: the linker's --as-needed drops an unused
# librocksdb from ldd's view, so ldd alone passed while keelctl still linked
# the whole storage engine. Run as a ctest (`keelctl_without_rocksdb`) or:
#   cmake -DBINARY=build/bin/keelctl -DBUILD_DIR=build -DTARGET=keelctl \
#         -P tests/check_no_rocksdb.cmake
if(NOT EXISTS "${BINARY}")
  message(FATAL_ERROR "no such binary: '${BINARY}' (build it first)")
endif()
set(found "")

# The link command: Makefiles keep it in link.txt, Ninja in build.ninja.
set(link_txt ${BUILD_DIR}/CMakeFiles/${TARGET}.dir/link.txt)
if(EXISTS ${link_txt})
  file(READ ${link_txt} link)
elseif(EXISTS ${BUILD_DIR}/build.ninja)
  file(READ ${BUILD_DIR}/build.ninja ninja)
  string(REGEX MATCH "\nbuild [^\n]*bin/${TARGET}: [^\n]*\n([ ]+[^\n]*\n)*" link "${ninja}")
else()
  message(FATAL_ERROR "no link command for ${TARGET} under '${BUILD_DIR}'")
endif()
if(NOT link)
  message(FATAL_ERROR "no link command for ${TARGET} in '${BUILD_DIR}'")
endif()
string(REGEX MATCHALL "[^ \n]*rocksdb[^ \n]*" linked "${link}")
list(REMOVE_DUPLICATES linked)
if(linked)
  list(APPEND found "link command: ${linked}")
endif()

execute_process(COMMAND ldd ${BINARY} OUTPUT_VARIABLE libs RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ldd ${BINARY} failed (${rc})")
endif()
string(REGEX MATCHALL "[^\n]*rocksdb[^\n]*" shared "${libs}")
if(shared)
  list(APPEND found "ldd: ${shared}")
endif()

execute_process(COMMAND nm -C ${BINARY} OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm ${BINARY} failed (${rc})")
endif()
string(REGEX MATCH "[^\n]*rocksdb::[^\n]*" symbol "${symbols}")
if(symbol)
  list(APPEND found "symbol: ${symbol}")
endif()

if(found)
  list(JOIN found "\n  " text)
  message(FATAL_ERROR "${BINARY} depends on RocksDB:\n  ${text}")
endif()
message(STATUS "${BINARY}: no RocksDB (link command, ldd, symbols)")
