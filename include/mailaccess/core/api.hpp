#pragma once

// Symbol visibility for shared builds. The library is compiled with hidden
// visibility when BUILD_SHARED_LIBS is on; every public non-template function
// and class is marked MAILACCESS_API so it stays exported. Static builds (the
// default) need nothing, and MAILACCESS_API expands to the same attribute,
// which is harmless there.
#if defined(_WIN32)
#define MAILACCESS_API
#else
#define MAILACCESS_API __attribute__((visibility("default")))
#endif
