# mailaccess_add_module(NAME SOURCES ... [DEPS ...] [PRIVATE_DEPS ...])
# One library per module: target mailaccess_<NAME>, alias mailaccess::<NAME>,
# exported as mailaccess::<NAME>, public headers under include/mailaccess.

set(MAILACCESS_WARNINGS -Wall -Wextra -Wpedantic -Wconversion -Wshadow)

function(mailaccess_warnings target)
  target_compile_options(${target} PRIVATE ${MAILACCESS_WARNINGS})
  if(MAILACCESS_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

function(mailaccess_add_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  set(target mailaccess_${name})
  add_library(${target} ${M_SOURCES})
  add_library(mailaccess::${name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES
    EXPORT_NAME ${name}
    OUTPUT_NAME mailaccess_${name}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    POSITION_INDEPENDENT_CODE ON
    VERSION ${PROJECT_VERSION}
    SOVERSION ${PROJECT_VERSION_MAJOR})
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_link_libraries(${target} PUBLIC ${M_DEPS} PRIVATE ${M_PRIVATE_DEPS})
  mailaccess_warnings(${target})
  set_property(GLOBAL APPEND PROPERTY MAILACCESS_MODULE_TARGETS ${target})
endfunction()
