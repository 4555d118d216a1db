/* SPDX-License-Identifier: MIT */
/*
 * libwaitset-xml: the SOAP/XML codec of libwaitset, built on expat.
 *
 * The decoder turns a SOAP 1.1 or 1.2 envelope, or a bare request
 * element, into a waitset_request ready for waitset_execute(), or into a
 * generic read-only node tree for any other command, response or Fault.
 * The writer turns a waitset_response, a fault or the host's own elements
 * into a document. The codec does no I/O and never validates attribute
 * values: the core does that. It decides structure only: namespaces,
 * element names, attribute-or-element fields, limits and DOCTYPE
 * rejection.
 *
 * Conventions of <waitset/waitset.h> hold here too: 0 or a negative
 * WAITSET_E* code, structs the host fills start with a size_t `size`,
 * structs the library hands out are read-only. No expat type appears in
 * this header. Thread: a decoder or writer is used by one thread at a
 * time; different objects are independent.
 */
#ifndef WAITSET_XML_H
#define WAITSET_XML_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "errors.h"
#include "waitset.h"

WAITSET_BEGIN_DECLS

/* ------------------------------------------------------------------ */
/* Names                                                               */

#define WAITSET_XML_NS_SOAP11 "http://schemas.xmlsoap.org/soap/envelope/"
#define WAITSET_XML_NS_SOAP12 "http://www.w3.org/2003/05/soap-envelope"
#define WAITSET_XML_NS_ZIMBRA "urn:zimbra"
#define WAITSET_XML_NS_MAIL "urn:zimbraMail"
#define WAITSET_XML_NS_ADMIN "urn:zimbraAdmin"

/** SOAP version of a document. */
enum waitset_xml_soap_version {
  WAITSET_XML_SOAP_NONE = 0, /* a bare command element, no envelope */
  WAITSET_XML_SOAP_11 = 11,
  WAITSET_XML_SOAP_12 = 12
};

/** The command element of a decoded document. */
enum waitset_xml_command {
  WAITSET_XML_CMD_OTHER = 0, /* any other element: see document->command */
  WAITSET_XML_CMD_CREATE = 1,        /* urn:zimbraMail */
  WAITSET_XML_CMD_WAIT = 2,          /* urn:zimbraMail */
  WAITSET_XML_CMD_DESTROY = 3,       /* urn:zimbraMail */
  WAITSET_XML_CMD_ADMIN_CREATE = 4,  /* urn:zimbraAdmin */
  WAITSET_XML_CMD_ADMIN_WAIT = 5,    /* urn:zimbraAdmin */
  WAITSET_XML_CMD_ADMIN_DESTROY = 6, /* urn:zimbraAdmin */
  WAITSET_XML_CMD_QUERY = 7          /* urn:zimbraAdmin */
};

/**
 * Return the request element name of a command, such as
 * "AdminWaitSetRequest", or NULL for WAITSET_XML_CMD_OTHER and unknown
 * values. Thread: any. @since 1.0
 */
WAITSET_API const char *waitset_xml_command_name(int command);

/**
 * Return the response element name for an op and admin flag of a
 * waitset_response, such as "DestroyWaitSetResponse", or NULL for an
 * unknown op. Thread: any. @since 1.0
 */
WAITSET_API const char *waitset_xml_response_name(int op, int admin);

/* ------------------------------------------------------------------ */
/* Generic node tree                                                   */

/** An attribute of a node. Namespace "" when the name is unprefixed. */
typedef struct waitset_xml_attr {
  const char *name;      /* local name */
  const char *namespace_uri; /* "" for none */
  const char *value;
} waitset_xml_attr;

/**
 * A read-only element of a decoded document. Strings are UTF-8, never
 * NULL, and valid until the decoder is reset or freed.
 */
typedef struct waitset_xml_node {
  const char *name;          /* local name */
  const char *namespace_uri; /* "" for none */
  const waitset_xml_attr *attrs; /* in document order */
  size_t attr_count;
  /* The character data directly inside this element (not inside its
   * children), concatenated, exactly as received; "" when none. */
  const char *text;
  const struct waitset_xml_node *parent; /* NULL for the command */
  const struct waitset_xml_node *first_child;
  const struct waitset_xml_node *next_sibling;
  size_t child_count;
  uint64_t line;   /* position of the start tag, 1-based */
  uint64_t column; /* 1-based, counted in characters */
} waitset_xml_node;

/**
 * Return the value of the attribute with this local name (any
 * namespace), or NULL when absent. Thread: any. @since 1.0
 */
WAITSET_API const char *waitset_xml_node_attr(const waitset_xml_node *node,
                                              const char *name);

/**
 * Return the first child element with this local name (any namespace)
 * that follows `after`, or the first one when `after` is NULL; NULL when
 * there is none. Iterate with
 *   for (c = find(n, NULL, "a"); c; c = find(n, c, "a"))
 * Thread: any. @since 1.0
 */
WAITSET_API const waitset_xml_node *
waitset_xml_node_child(const waitset_xml_node *node,
                       const waitset_xml_node *after, const char *name);

/* ------------------------------------------------------------------ */
/* Decoded document                                                    */

/**
 * The <context xmlns="urn:zimbra"> header. String fields are the text or
 * attribute value exactly as received, NULL when absent.
 */
typedef struct waitset_xml_context {
  size_t size;
  int32_t present;   /* 1 when the envelope had a context header */
  const char *auth_token; /* <authToken> text */
  int32_t nosession; /* 1 when <nosession/> was given */
  int32_t session;   /* 1 when <session> was given */
  const char *session_id; /* <session id=".."> or its text */
  const char *session_ws_id; /* <session wsId=".."> */
  const char *account_by;    /* <account by=".."> */
  const char *account;       /* <account> text */
  const char *user_agent_name;    /* <userAgent name=".."> */
  const char *user_agent_version; /* <userAgent version=".."> */
  /* <format type=".."> when it is not "js"; "js" is rejected because
   * only XML responses exist. */
  const char *format_type;
  /* The context element itself, for headers the codec does not read. */
  const waitset_xml_node *node;
} waitset_xml_context;

/** A SOAP Fault read from a response body. Strings NULL when absent. */
typedef struct waitset_xml_fault {
  size_t size;
  /* "soap:Sender", "soap:Client", ... as written in Value or faultcode */
  const char *soap_code;
  const char *reason; /* Reason/Text or faultstring */
  const char *code;   /* Detail/Error/Code, e.g. "service.PERM_DENIED" */
  const waitset_fault_arg *args; /* the <a n t> of Error */
  size_t arg_count;
} waitset_xml_fault;

/**
 * A decoded document. Read-only; valid until the decoder is reset or
 * freed.
 */
typedef struct waitset_xml_document {
  size_t size;
  int32_t soap_version; /* enum waitset_xml_soap_version */
  const waitset_xml_context *context; /* never NULL; check ->present */
  int32_t command; /* enum waitset_xml_command */
  /* The command element: the one child element of Body, or the root of
   * a bare document. Set for every command, waitset ones included. For
   * the seven waitset commands the tree holds only what the request is
   * read from: field elements, <add>, <update>, <remove>, their <a> and
   * the fields of <a>, each in its parent's namespace or in none. Other
   * children are skipped without a node. */
  const waitset_xml_node *command_node;
  /* For the seven waitset commands: the request for waitset_execute(),
   * with admin set for urn:zimbraAdmin commands. NULL otherwise. */
  const waitset_request *request;
  /* When the command element is a SOAP Fault of the envelope's version,
   * its content. NULL otherwise. */
  const waitset_xml_fault *fault;
} waitset_xml_document;

/* ------------------------------------------------------------------ */
/* Decoder                                                             */

#define WAITSET_XML_DEFAULT_MAX_DOCUMENT_BYTES 15360000u
#define WAITSET_XML_DEFAULT_MAX_DEPTH 32u
#define WAITSET_XML_DEFAULT_MAX_ACCOUNTS 100000u
#define WAITSET_XML_DEFAULT_MAX_VALUE_BYTES 1048576u
/* A Wait request with the default 100,000 accounts in each of add,
 * update and remove, every field written as a child element, has
 * 1,400,000 elements: 6 per account of add and update (<a> and five
 * fields) and 2 per account of remove. The rest leaves room for list
 * elements, the envelope and headers. */
#define WAITSET_XML_DEFAULT_MAX_ELEMENTS 1500000u
/* Far above what a request element uses: WaitSetRequest reads six
 * attributes and <a> five. */
#define WAITSET_XML_DEFAULT_MAX_ATTRIBUTES 256u

/**
 * Decoder settings. Zero in a numeric field, or a size that does not
 * cover it, means its default.
 */
typedef struct waitset_xml_options {
  size_t size; /* sizeof(waitset_xml_options) */
  /* Copied. Used for every allocation of the decoder, expat's included.
   * NULL: libc. */
  const waitset_allocator *allocator;
  uint64_t max_document_bytes; /* bytes fed per document */
  uint32_t max_depth;          /* element nesting, Envelope is 1 */
  /* <a> per <add>, <update> or <remove> element, and per kind of list
   * in total when a command repeats the list element. */
  uint32_t max_accounts;
  uint64_t max_value_bytes;    /* one attribute value or element text */
  /* 1: decode any command element into a node tree (command
   * WAITSET_XML_CMD_OTHER), so the host can serve its own requests and
   * a client can read responses and Faults. 0 (default): any element
   * other than the seven waitset commands is WAITSET_EXML_UNKNOWN.
   * A waitset command name in the wrong namespace (AdminWaitSetRequest
   * in urn:zimbraMail) is WAITSET_EXML_UNKNOWN in both modes. */
  int32_t accept_other_commands;
  /* Elements per document, skipped ones included. Together with the
   * size limit this bounds the memory of the node tree. @since 1.0 */
  uint64_t max_elements;
  uint32_t max_attributes; /* attributes of one element; @since 1.0 */
} waitset_xml_options;

/** A decoding error. Read-only; valid until the decoder is reset or
 * freed. */
typedef struct waitset_xml_error {
  size_t size;
  /* WAITSET_EXML_* for bad input, WAITSET_ENOMEM, or WAITSET_EXML_STOPPED
   * after waitset_xml_decoder_stop(). */
  int code;
  /* The protocol fault the host sends: WAITSET_EPARSE_ERROR,
   * WAITSET_EINVALID_REQUEST, WAITSET_EUNKNOWN_DOCUMENT, or
   * WAITSET_EFAILURE for WAITSET_ENOMEM and WAITSET_EXML_STOPPED. Send
   * this rather than waitset_fault_code(code), because one code can need
   * different faults: an empty Body and a missing Body are both
   * WAITSET_EXML_SCHEMA, but service.PARSE_ERROR and INVALID_REQUEST. */
  int fault;
  /* The fault Reason, e.g. `invalid request: invalid waitSet: "x" (the
   * field is given more than once, ...)`. Client values are cut to 128
   * bytes plus "...". */
  const char *message;
  /* The element or attribute the error is about, or NULL. */
  const char *name;
  uint64_t line;        /* 1-based; 0 when unknown */
  uint64_t column;      /* 1-based, in characters; 0 when unknown */
  uint64_t byte_offset; /* from the start of the document */
  /* The SOAP version of the Fault to send: the envelope's when its start
   * tag was read, else WAITSET_XML_SOAP_12. Never WAITSET_XML_SOAP_NONE. */
  int32_t soap_version;
} waitset_xml_error;

typedef struct waitset_xml_decoder waitset_xml_decoder;

/**
 * Create a decoder.
 * @param out   receives the decoder; free it with waitset_xml_decoder_free.
 * @param opts  copied; NULL means the defaults.
 * @return 0, WAITSET_EINVAL (NULL out, allocator missing a function),
 *         WAITSET_EVERSION (allocator version), WAITSET_ENOMEM, or
 *         WAITSET_EXML_UNSUPPORTED when expat was built with a character
 *         type other than UTF-8 char.
 * @since 1.0
 */
WAITSET_API int waitset_xml_decoder_new(waitset_xml_decoder **out,
                                        const waitset_xml_options *opts);

/**
 * Feed the next bytes of one document, in any chunking down to one byte.
 * Pass is_final = 1 with the last chunk (len may be 0). The decoder keeps
 * small chunks until it has 64 KiB or the final chunk, so the cost per
 * byte does not depend on the chunking, and an error in kept bytes is
 * returned by a later feed. The size limit is checked on every feed.
 * @return 0 when the bytes were accepted, and after the final chunk when
 *         the document is complete (waitset_xml_decoder_document());
 *         a negative code on bad input (details in
 *         waitset_xml_decoder_error()), which every later feed returns
 *         again until reset; WAITSET_ESTATE when fed after the final
 *         chunk; WAITSET_EINVAL for NULL dec or NULL buf with len > 0;
 *         WAITSET_ERECURSIVE when called from inside this decoder's
 *         allocator.
 * @since 1.0
 */
WAITSET_API int waitset_xml_decoder_feed(waitset_xml_decoder *dec,
                                         const void *buf, size_t len,
                                         int is_final);

/**
 * Abandon the current document: every later feed returns
 * WAITSET_EXML_STOPPED until waitset_xml_decoder_reset().
 * @return 0 or WAITSET_EINVAL. @since 1.0
 */
WAITSET_API int waitset_xml_decoder_stop(waitset_xml_decoder *dec);

/**
 * Drop the current document, error and memory, and get ready for the
 * next document with the same options.
 * @return 0, WAITSET_EINVAL, WAITSET_ERECURSIVE from inside the
 *         decoder's allocator, or WAITSET_ENOMEM (the decoder then returns
 *         WAITSET_ENOMEM from every feed until a reset succeeds).
 * @since 1.0
 */
WAITSET_API int waitset_xml_decoder_reset(waitset_xml_decoder *dec);

/** Free a decoder and everything it handed out. NULL is allowed. */
WAITSET_API void waitset_xml_decoder_free(waitset_xml_decoder *dec);

/**
 * Return the decoded document once the final chunk was accepted, else
 * NULL. @since 1.0
 */
WAITSET_API const waitset_xml_document *
waitset_xml_decoder_document(const waitset_xml_decoder *dec);

/**
 * Return the error of the current document, or NULL when there is none.
 * @since 1.0
 */
WAITSET_API const waitset_xml_error *
waitset_xml_decoder_error(const waitset_xml_decoder *dec);

/* ------------------------------------------------------------------ */
/* Output buffers                                                      */

typedef struct waitset_xml_buffer waitset_xml_buffer;

/** Return the encoded bytes, NUL-terminated. @since 1.0 */
WAITSET_API const char *
waitset_xml_buffer_data(const waitset_xml_buffer *buf);

/** Return the length of the encoded bytes, without the NUL. */
WAITSET_API size_t waitset_xml_buffer_length(const waitset_xml_buffer *buf);

/** Free a buffer with the allocator that made it. NULL is allowed. */
WAITSET_API void waitset_xml_buffer_free(waitset_xml_buffer *buf);

/* ------------------------------------------------------------------ */
/* Writer                                                              */

/*
 * Text and attribute values are escaped: & < > " ' always, and tab, LF
 * and CR in attribute values and CR in text as character references, so
 * they survive a round trip. Characters XML 1.0 cannot carry (C0 controls
 * other than tab, LF and CR, U+FFFE, U+FFFF) and bytes that are not valid
 * UTF-8 are written as U+FFFD, one per byte or character. Element and
 * attribute names must match [A-Za-z_][A-Za-z0-9._-]*; others get
 * WAITSET_EINVAL.
 *
 * Errors are sticky: after the first failure, misuse included, every
 * writer call returns the same code and writes nothing, so a sequence of
 * calls can be checked once at waitset_xml_writer_finish().
 */

typedef struct waitset_xml_writer waitset_xml_writer;

/**
 * Create a writer for one document.
 * @param alloc         copied; NULL means libc.
 * @param soap_version  WAITSET_XML_SOAP_11 or _12 wrap the output in an
 *                      envelope (prefix "soap"); WAITSET_XML_SOAP_NONE
 *                      writes a bare element.
 * @return 0, WAITSET_EINVAL, WAITSET_EVERSION, WAITSET_ENOMEM.
 * @since 1.0
 */
WAITSET_API int waitset_xml_writer_new(waitset_xml_writer **out,
                                       const waitset_allocator *alloc,
                                       int soap_version);

/** Free a writer. NULL is allowed. @since 1.0 */
WAITSET_API void waitset_xml_writer_free(waitset_xml_writer *w);

/**
 * Open <soap:Header>; the next element started goes into it, typically
 * start(w, "context", WAITSET_XML_NS_ZIMBRA). The header contains that one
 * element: once it is ended, the next element started at the outer
 * level is the body's command element. Only before any body content and
 * with an envelope.
 * @return 0, WAITSET_ESTATE, or the sticky error.
 * @since 1.0
 */
WAITSET_API int waitset_xml_writer_header(waitset_xml_writer *w);

/**
 * Start an element. namespace_uri NULL keeps the parent's default
 * namespace; otherwise xmlns="namespace_uri" is written when it differs.
 * Outside the header, the first element started is the body's command
 * element; a second top-level element gets WAITSET_ESTATE.
 * @return 0, WAITSET_EINVAL, WAITSET_ESTATE, WAITSET_ENOMEM.
 * @since 1.0
 */
WAITSET_API int waitset_xml_writer_start(waitset_xml_writer *w,
                                         const char *name,
                                         const char *namespace_uri);

/**
 * Add an attribute to the element just started (before its text or
 * children). @return 0, WAITSET_EINVAL, WAITSET_ESTATE, WAITSET_ENOMEM.
 * @since 1.0
 */
WAITSET_API int waitset_xml_writer_attr(waitset_xml_writer *w,
                                        const char *name, const char *value);

/** Add an integer attribute in decimal. @since 1.0 */
WAITSET_API int waitset_xml_writer_attr_int(waitset_xml_writer *w,
                                            const char *name, int64_t value);

/** Write escaped text inside the open element. @since 1.0 */
WAITSET_API int waitset_xml_writer_text(waitset_xml_writer *w,
                                        const char *text);

/** End the innermost open element. @since 1.0 */
WAITSET_API int waitset_xml_writer_end(waitset_xml_writer *w);

/**
 * Write a waitset response as the body's command element: the response
 * element named for resp->op and resp->admin in urn:zimbraMail or
 * urn:zimbraAdmin, or a Fault when resp->status is not 0.
 * @return 0, WAITSET_EINVAL (NULL argument, unknown op or size),
 *         WAITSET_ESTATE, WAITSET_ENOMEM.
 * @since 1.0
 */
WAITSET_API int waitset_xml_writer_response(waitset_xml_writer *w,
                                            const waitset_response *resp);

/**
 * Write a SOAP Fault as the body's command element. The side
 * (soap:Sender/Client or soap:Receiver/Server) and <Code> come from
 * waitset_fault_is_sender(err) and waitset_fault_code(err). With
 * WAITSET_XML_SOAP_NONE the SOAP 1.2 Fault element is written bare.
 * @param reason  the Reason text; NULL gives waitset_strerror(err).
 * @param args    the <a n t> detail arguments; may be NULL when nargs 0.
 * @return 0, WAITSET_EINVAL, WAITSET_ESTATE, WAITSET_ENOMEM.
 * @since 1.0
 */
WAITSET_API int waitset_xml_writer_fault(waitset_xml_writer *w, int err,
                                         const char *reason,
                                         const waitset_fault_arg *args,
                                         size_t nargs);

/**
 * Close every open element and the envelope and hand over the document.
 * The writer can only be freed afterwards.
 * @return 0, WAITSET_ESTATE (no body element), or the sticky error.
 * @since 1.0
 */
WAITSET_API int waitset_xml_writer_finish(waitset_xml_writer *w,
                                          waitset_xml_buffer **out);

/* ------------------------------------------------------------------ */
/* One-call encoders                                                   */

/**
 * Encode a waitset response (or its fault when resp->status != 0) in an
 * envelope of soap_version, without a header.
 * @return as waitset_xml_writer_response(). @since 1.0
 */
WAITSET_API int waitset_xml_encode_response(const waitset_allocator *alloc,
                                            int soap_version,
                                            const waitset_response *resp,
                                            waitset_xml_buffer **out);

/**
 * Encode a Fault for an error code, reason and detail arguments.
 * @return as waitset_xml_writer_fault(). @since 1.0
 */
WAITSET_API int waitset_xml_encode_fault(const waitset_allocator *alloc,
                                         int soap_version, int err,
                                         const char *reason,
                                         const waitset_fault_arg *args,
                                         size_t nargs,
                                         waitset_xml_buffer **out);

/**
 * Encode the Fault for a decoder error: error->fault, error->message and
 * error->soap_version.
 * @since 1.0
 */
WAITSET_API int waitset_xml_encode_error(const waitset_allocator *alloc,
                                         const waitset_xml_error *error,
                                         waitset_xml_buffer **out);

WAITSET_END_DECLS

#endif /* WAITSET_XML_H */
