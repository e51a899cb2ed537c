# Fails if a C++ source differs from what the root .clang-format produces.
file(GLOB_RECURSE files
  ${ROOT}/include/*.hpp ${ROOT}/src/*.cpp ${ROOT}/src/*.hpp ${ROOT}/tests/*.cpp ${ROOT}/tests/*.hpp
  ${ROOT}/examples/*.cpp ${ROOT}/bench/*.cpp ${ROOT}/bench/*.hpp)
list(FILTER files EXCLUDE REGEX "/tests/cmake/consumer/build")
execute_process(COMMAND ${CLANG_FORMAT} --dry-run -Werror ${files}
  RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "clang-format differences (run clang-format-14 -i on these files):\n${err}")
endif()
list(LENGTH files count)
message(STATUS "format ok: ${count} files")
