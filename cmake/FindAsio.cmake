# FindAsio: standalone Asio (Debian libasio-dev) is header-only with no CMake
# package. Defines asio::asio with ASIO_STANDALONE and ASIO_NO_DEPRECATED, and
# with clang ASIO_HAS_CO_AWAIT=1: Asio 1.22 detects C++20 coroutines only
# through <experimental/coroutine>, which libstdc++ 12 lacks (gcc needs nothing).
find_path(Asio_INCLUDE_DIR asio.hpp HINTS ${Asio_ROOT}/include)
if(Asio_INCLUDE_DIR AND EXISTS ${Asio_INCLUDE_DIR}/asio/version.hpp)
  file(STRINGS ${Asio_INCLUDE_DIR}/asio/version.hpp _asio_version_line REGEX "define ASIO_VERSION ")
  string(REGEX MATCH "[0-9]+" _asio_version_number "${_asio_version_line}")
  math(EXPR _asio_major "${_asio_version_number} / 100000")
  math(EXPR _asio_minor "${_asio_version_number} / 100 % 1000")
  math(EXPR _asio_patch "${_asio_version_number} % 100")
  set(Asio_VERSION ${_asio_major}.${_asio_minor}.${_asio_patch})
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Asio REQUIRED_VARS Asio_INCLUDE_DIR VERSION_VAR Asio_VERSION)
if(Asio_FOUND AND NOT TARGET asio::asio)
  find_package(Threads REQUIRED)
  add_library(asio::asio INTERFACE IMPORTED)
  set_target_properties(asio::asio PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES ${Asio_INCLUDE_DIR}
    INTERFACE_COMPILE_DEFINITIONS "ASIO_STANDALONE;ASIO_NO_DEPRECATED;$<$<CXX_COMPILER_ID:Clang>:ASIO_HAS_CO_AWAIT=1>"
    INTERFACE_LINK_LIBRARIES Threads::Threads)
endif()
mark_as_advanced(Asio_INCLUDE_DIR)
