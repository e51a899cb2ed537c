# install(EXPORT) + config-file package, so hosts can find_package(mailaccess).
include(CMakePackageConfigHelpers)
set(MAILACCESS_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/mailaccess)

install(TARGETS ${MAILACCESS_MODULE_TARGETS} mailaccess EXPORT mailaccess-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/mailaccess DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT mailaccess-targets NAMESPACE mailaccess:: DESTINATION ${MAILACCESS_CMAKE_DIR})
export(EXPORT mailaccess-targets NAMESPACE mailaccess::
  FILE ${PROJECT_BINARY_DIR}/mailaccess-targets.cmake)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/mailaccess-config.cmake.in
  ${PROJECT_BINARY_DIR}/mailaccess-config.cmake INSTALL_DESTINATION ${MAILACCESS_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/mailaccess-config-version.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/mailaccess-config.cmake
  ${PROJECT_BINARY_DIR}/mailaccess-config-version.cmake
  ${PROJECT_SOURCE_DIR}/cmake/FindAsio.cmake
  ${PROJECT_SOURCE_DIR}/cmake/FindBoringSSL.cmake
  DESTINATION ${MAILACCESS_CMAKE_DIR})
