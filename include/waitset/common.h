/* SPDX-License-Identifier: MIT */
/*
 * Shared macros of the libwaitset public headers: the export macro, the
 * deprecation marker and the C++ linkage guards.
 */
#ifndef WAITSET_COMMON_H
#define WAITSET_COMMON_H

#if defined(_WIN32) || defined(__CYGWIN__)
#  if defined(WAITSET_STATIC)
#    define WAITSET_API
#  elif defined(WAITSET_BUILDING)
#    define WAITSET_API __declspec(dllexport)
#  else
#    define WAITSET_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define WAITSET_API __attribute__((visibility("default")))
#else
#  define WAITSET_API
#endif

#if defined(WAITSET_NO_DEPRECATED)
#  define WAITSET_DEPRECATED(msg)
#elif defined(__GNUC__) || defined(__clang__)
#  define WAITSET_DEPRECATED(msg) __attribute__((deprecated(msg)))
#else
#  define WAITSET_DEPRECATED(msg)
#endif

#ifdef __cplusplus
#  define WAITSET_BEGIN_DECLS extern "C" {
#  define WAITSET_END_DECLS }
#else
#  define WAITSET_BEGIN_DECLS
#  define WAITSET_END_DECLS
#endif

#endif /* WAITSET_COMMON_H */
