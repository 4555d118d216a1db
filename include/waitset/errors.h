/* SPDX-License-Identifier: MIT */
/*
 * Error codes of libwaitset and libwaitset-xml.
 *
 * Every function that can fail returns an int: 0 (WAITSET_OK) on success
 * or one of the negative codes below. The values are stable forever: a
 * code is never renumbered, and a retired code keeps its number.
 *
 * Three bands:
 *   -1 .. -49     API and runtime errors of the core;
 *   -50 .. -99    protocol faults: a request was understood and rejected,
 *                 and the host sends the matching SOAP Fault
 *                 (waitset_fault_code() gives its Zimbra code);
 *   -100 .. -199  errors of the XML codec.
 */
#ifndef WAITSET_ERRORS_H
#define WAITSET_ERRORS_H

#include "common.h"

WAITSET_BEGIN_DECLS

enum waitset_error {
  WAITSET_OK = 0,

  /* Core API and runtime errors. */
  WAITSET_EINVAL = -1,      /* invalid argument to a C API call */
  WAITSET_ENOMEM = -2,      /* an allocation failed */
  WAITSET_EEXIST = -3,      /* the key exists already */
  WAITSET_ENOENT = -4,      /* the key does not exist */
  WAITSET_ETIMEDOUT = -5,   /* an operation timed out */
  WAITSET_ECANCELED = -6,   /* the operation was canceled */
  WAITSET_ECLOSING = -7,    /* the object is closing */
  WAITSET_ERECURSIVE = -8,  /* the call is not allowed from this callback */
  WAITSET_EVERSION = -9,    /* a struct size or version is not supported */
  WAITSET_EUSER = -10,      /* a host callback asked to abort */
  WAITSET_ELOOP = -11,      /* a libuv call failed */
  WAITSET_ERANGE = -12,     /* a value is outside its allowed range */
  WAITSET_ESTATE = -13,     /* the call does not fit the object's state */

  /* Protocol faults, each mapped to one Zimbra fault code. */
  WAITSET_EINVALID_REQUEST = -50, /* service.INVALID_REQUEST */
  WAITSET_EPERM_DENIED = -51,     /* service.PERM_DENIED */
  WAITSET_ENO_SUCH_WAITSET = -52, /* admin.NO_SUCH_WAITSET (Wait, Query) */
  WAITSET_EMAIL_NO_SUCH_WAITSET = -53, /* mail.NO_SUCH_WAITSET (Destroy) */
  WAITSET_EAUTH_REQUIRED = -54,   /* service.AUTH_REQUIRED */
  WAITSET_EAUTH_EXPIRED = -55,    /* service.AUTH_EXPIRED */
  WAITSET_EFAILURE = -56,         /* service.FAILURE (receiver side) */
  WAITSET_EPARSE_ERROR = -57,     /* service.PARSE_ERROR */
  WAITSET_EUNKNOWN_DOCUMENT = -58, /* service.UNKNOWN_DOCUMENT */

  /* XML codec errors. */
  WAITSET_EXML_SYNTAX = -100,      /* not well-formed XML or bad UTF-8 */
  WAITSET_EXML_SCHEMA = -101,      /* well-formed, but not a valid request */
  WAITSET_EXML_LIMIT = -102,       /* size, depth or count over a limit */
  WAITSET_EXML_TRUNCATED = -103,   /* the document ended early */
  WAITSET_EXML_UNSUPPORTED = -104, /* expat built without UTF-8 chars */
  WAITSET_EXML_DOCTYPE = -105,     /* DOCTYPE or entity declaration */
  WAITSET_EXML_UNKNOWN = -106,     /* unknown request element */
  WAITSET_EXML_NAMESPACE = -107,   /* element in the wrong namespace */
  WAITSET_EXML_STOPPED = -108,     /* decoding was stopped by the host */
};

/**
 * Return a one-line English description of an error code.
 *
 * @param err  any int; unknown values give "unknown error".
 * @return a static string, never NULL.
 *
 * Callback context: may be called from any callback. Thread: any.
 * @since 1.0
 */
WAITSET_API const char *waitset_strerror(int err);

/**
 * Return the symbolic name of an error code, such as "WAITSET_ENOMEM".
 *
 * @param err  any int; unknown values give "WAITSET_UNKNOWN".
 * @return a static string, never NULL.
 *
 * Callback context: may be called from any callback. Thread: any.
 * @since 1.0
 */
WAITSET_API const char *waitset_err_name(int err);

/**
 * Return the Zimbra SOAP fault code for an error, such as
 * "service.INVALID_REQUEST" or "admin.NO_SUCH_WAITSET".
 *
 * Protocol faults map to their own code. Codec errors map to the code a
 * server sends for them: syntax, truncation and DOCTYPE errors to
 * service.PARSE_ERROR, an unknown request element to
 * service.UNKNOWN_DOCUMENT, limit, schema and namespace errors to
 * service.INVALID_REQUEST. Every other error, WAITSET_EXML_STOPPED and
 * WAITSET_EXML_UNSUPPORTED included, maps to "service.FAILURE".
 *
 * @param err  a negative error code.
 * @return a static string, never NULL.
 *
 * Callback context: may be called from any callback. Thread: any.
 * @since 1.0
 */
WAITSET_API const char *waitset_fault_code(int err);

/**
 * Tell whether a fault for this error is a sender (client) fault.
 *
 * @return 1 for a sender fault (soap:Sender, soap:Client), 0 for a
 *         receiver fault (soap:Receiver, soap:Server): service.FAILURE
 *         and every non-protocol error.
 * @since 1.0
 */
WAITSET_API int waitset_fault_is_sender(int err);

WAITSET_END_DECLS

#endif /* WAITSET_ERRORS_H */
