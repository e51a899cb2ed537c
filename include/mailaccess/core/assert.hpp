#pragma once

#include <cstdio>
#include <cstdlib>

// MAILACCESS_ASSERT checks a precondition the caller must guarantee. A failed
// assertion is a bug in the library or the host, never a reaction to network
// input (that is an error_code). Active in debug and fuzz builds
// (MAILACCESS_ENABLE_ASSERT), compiled out with NDEBUG otherwise.
#if !defined(NDEBUG) || defined(MAILACCESS_ENABLE_ASSERT)
#define MAILACCESS_ASSERT(cond)                                                                       \
    do {                                                                                              \
        if (!(cond)) {                                                                                \
            std::fprintf(stderr, "%s:%d: MAILACCESS_ASSERT(%s) failed\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                             \
        }                                                                                             \
    } while (false)
#else
#define MAILACCESS_ASSERT(cond) ((void)0)
#endif
