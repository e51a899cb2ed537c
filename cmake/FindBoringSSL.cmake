# FindBoringSSL: Debian's android-libboringssl-dev ships no CMake package.
# Headers live in /usr/include/android (identified by openssl/is_boringssl.h,
# which OpenSSL lacks); libraries in /usr/lib/<multiarch>/android, a folder
# outside the linker cache. find_library must not search default paths or it
# returns OpenSSL's libssl. Imported targets carry the include dir as a system
# include placed first, so BoringSSL's headers win over /usr/include/openssl,
# and an RPATH comes with the absolute library paths.
#
# Defines BoringSSL::crypto and BoringSSL::ssl, BoringSSL_FOUND, BoringSSL_INCLUDE_DIR.

include(GNUInstallDirs)
if(NOT CMAKE_LIBRARY_ARCHITECTURE AND EXISTS /usr/lib/x86_64-linux-gnu)
  set(_boringssl_arch x86_64-linux-gnu)
else()
  set(_boringssl_arch ${CMAKE_LIBRARY_ARCHITECTURE})
endif()

find_path(BoringSSL_INCLUDE_DIR openssl/is_boringssl.h
  HINTS ${BoringSSL_ROOT}/include /usr/include/android
  NO_DEFAULT_PATH)
find_library(BoringSSL_CRYPTO_LIBRARY NAMES crypto
  HINTS ${BoringSSL_ROOT}/lib /usr/lib/${_boringssl_arch}/android
  NO_DEFAULT_PATH)
find_library(BoringSSL_SSL_LIBRARY NAMES ssl
  HINTS ${BoringSSL_ROOT}/lib /usr/lib/${_boringssl_arch}/android
  NO_DEFAULT_PATH)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(BoringSSL
  REQUIRED_VARS BoringSSL_INCLUDE_DIR BoringSSL_CRYPTO_LIBRARY BoringSSL_SSL_LIBRARY)

if(BoringSSL_FOUND)
  get_filename_component(BoringSSL_LIBRARY_DIR ${BoringSSL_CRYPTO_LIBRARY} DIRECTORY)
  if(NOT TARGET BoringSSL::crypto)
    add_library(BoringSSL::crypto UNKNOWN IMPORTED)
    set_target_properties(BoringSSL::crypto PROPERTIES
      IMPORTED_LOCATION ${BoringSSL_CRYPTO_LIBRARY}
      INTERFACE_SYSTEM_INCLUDE_DIRECTORIES ${BoringSSL_INCLUDE_DIR}
      INTERFACE_INCLUDE_DIRECTORIES ${BoringSSL_INCLUDE_DIR}
      INTERFACE_LINK_OPTIONS "LINKER:-rpath,${BoringSSL_LIBRARY_DIR}")
  endif()
  if(NOT TARGET BoringSSL::ssl)
    add_library(BoringSSL::ssl UNKNOWN IMPORTED)
    set_target_properties(BoringSSL::ssl PROPERTIES
      IMPORTED_LOCATION ${BoringSSL_SSL_LIBRARY}
      INTERFACE_SYSTEM_INCLUDE_DIRECTORIES ${BoringSSL_INCLUDE_DIR}
      INTERFACE_INCLUDE_DIRECTORIES ${BoringSSL_INCLUDE_DIR}
      INTERFACE_LINK_LIBRARIES BoringSSL::crypto)
  endif()
endif()
mark_as_advanced(BoringSSL_INCLUDE_DIR BoringSSL_CRYPTO_LIBRARY BoringSSL_SSL_LIBRARY)
