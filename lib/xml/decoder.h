/* SPDX-License-Identifier: MIT */
/* The decoder object, shared by decoder.c and request.c. */
#ifndef WAITSET_XML_DECODER_H
#define WAITSET_XML_DECODER_H

/* expat declares its billion-laughs limits only under XML_DTD; the build
 * defines WSX_HAVE_BILLION_LAUGHS when the library provides them. */
#if defined(WSX_HAVE_BILLION_LAUGHS) && !defined(XML_DTD)
#define XML_DTD
#endif
#include <expat.h>

#include "xml-internal.h"

/* Role of an open element in the decoder. */
enum wsx_role {
  WSX_ROLE_IGNORE = 0,   /* skipped subtree */
  WSX_ROLE_ENVELOPE = 1,
  WSX_ROLE_HEADER = 2,
  WSX_ROLE_BODY = 3,
  /* Roles from here to WSX_ROLE_FIELD have a node. */
  WSX_ROLE_CONTEXT = 4,  /* root of the captured context tree */
  WSX_ROLE_COMMAND = 5,  /* root of the captured command tree */
  WSX_ROLE_CAPTURE = 6,  /* inside a captured tree, every child kept */
  /* Inside a waitset command, where only what the request is read from
   * gets a node. */
  WSX_ROLE_LIST = 7,     /* <add>, <update> or <remove> */
  WSX_ROLE_ACCOUNT = 8,  /* <a> of a list */
  WSX_ROLE_FIELD = 9,    /* a field element; only its text is read */
  /* Outcomes that end decoding; never pushed. */
  WSX_ROLE_BAD_NAMESPACE = 10,
  /* A second Header or Body in the envelope, a second context in the
   * Header or a second element in the Body. */
  WSX_ROLE_REPEATED = 11
};

/* One open element. */
typedef struct wsx_frame {
  int role;
  wsx_node *node; /* captured node, or NULL */
  wsx_node *last_child; /* last captured child, for appending */
  wsx_buf text;   /* character data of a captured node so far */
  uint32_t a_count; /* <a> children so far */
} wsx_frame;

/* Bytes the decoder collects before it calls XML_Parse, unless the
 * chunk is final. Fuzzing builds set a lower value. */
#ifndef WSX_PARSE_THRESHOLD
#define WSX_PARSE_THRESHOLD 65536u
#endif

struct waitset_xml_decoder {
  waitset_allocator alloc;
  waitset_xml_options opts; /* with every default filled in */
  XML_Parser parser;
  /* expat's hash salt, drawn once per decoder: a secret salt resists
   * chosen-collision names as well when reused, and a system call per
   * document is measurable in a server's request rate. */
  unsigned long hash_salt;
  wsx_arena arena; /* nodes, strings and arrays of the current document */
  wsx_frame *frames;
  size_t frame_cap;
  size_t depth;

  int busy;     /* inside XML_Parse */
  int finished; /* the final chunk was accepted */
  int stopped;
  int has_error;
  uint64_t total;  /* bytes fed */
  uint64_t elements; /* start tags so far */

  /* Input not yet given to expat. expat 2.5 scans an unfinished token
   * again from its start on every XML_Parse call, so feeding it small
   * chunks costs O(n^2) for a long token. The decoder therefore calls
   * XML_Parse only once the new bytes are at least WSX_PARSE_THRESHOLD
   * and at least as many as expat keeps unparsed, so each byte is
   * scanned a bounded number of times. */
  char *pending;
  size_t pending_len;
  size_t pending_cap;
  uint64_t parsed;   /* bytes given to expat */
  uint64_t flush_at; /* pending bytes that trigger the next XML_Parse */
  /* The smallest flush_at: WSX_PARSE_THRESHOLD; tests lower it to make
   * expat see every chunk boundary. */
  uint64_t parse_threshold;
  /* Counters for tests: XML_Parse calls, and the bytes each call had to
   * scan (the unparsed tail kept by expat plus the new bytes). */
  uint64_t parse_calls;
  uint64_t scanned_bytes;
  /* Position of the last start tag that got a node: byte offset, line
   * and 0-based column. new_node() advances it over the bytes up to the
   * next start tag, which is cheaper than expat's own position tracking
   * (see node_position() in decoder.c). */
  uint64_t pos_offset;
  uint64_t pos_line;
  uint64_t pos_column;
  int first_byte;  /* first non-blank byte, or -1 */
  int seen_header;
  int seen_body;
  int32_t soap_version;
  int32_t command;
  wsx_node *context_node;
  wsx_node *command_node;

  waitset_xml_error error;
  waitset_xml_document doc;
  waitset_xml_context context;
  waitset_request request;
  waitset_xml_fault fault;
};

/* Record the first error of a document, taking the message from `msg`
 * (consumed). Returns the error code in effect. */
int wsx_decoder_fail(waitset_xml_decoder *dec, int code, int fault,
                     const char *name, wsx_buf *msg);

/* Fill dec->doc from the captured trees after the final chunk. */
int wsx_decoder_build_document(waitset_xml_decoder *dec);

#endif /* WAITSET_XML_DECODER_H */
