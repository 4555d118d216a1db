/* SPDX-License-Identifier: MIT */
/* The writer object, shared by writer.c and encode.c. */
#ifndef WAITSET_XML_WRITER_H
#define WAITSET_XML_WRITER_H

#include "xml-internal.h"

enum wsx_phase {
  WSX_PHASE_START = 0,       /* nothing written */
  WSX_PHASE_ENVELOPE = 1,    /* envelope open, no header or body yet */
  WSX_PHASE_HEADER = 2,      /* inside <soap:Header> */
  WSX_PHASE_HEADER_DONE = 3, /* the header element was ended */
  WSX_PHASE_BODY = 4,        /* the command element was started */
  WSX_PHASE_DONE = 5         /* finished */
};

/* An open element: offsets into `names` of its qualified name and of its
 * default namespace. */
typedef struct wsx_level {
  size_t name_offset;
  size_t ns_offset;
} wsx_level;

struct waitset_xml_writer {
  waitset_allocator alloc;
  int soap_version;
  int phase;
  int error; /* sticky first failure */
  int tag_open; /* the last start tag still lacks its ">" */
  int header_written;
  wsx_buf out;
  wsx_buf names; /* NUL-separated names and namespaces of open levels */
  wsx_level *stack;
  size_t stack_cap;
  size_t depth;
};

/* Append text with XML escaping; see the writer notes in xml.h. */
int wsx_escape(wsx_buf *out, const char *text, int in_attribute);

/* Start an element with a qualified name that is not checked, such as
 * "soap:Fault". Not sticky; the caller records errors. */
int wsx_writer_start_raw(waitset_xml_writer *w, const char *qname,
                         const char *namespace_uri);

/* Add an attribute whose name is not checked, such as "xmlns:soap". */
int wsx_writer_attr_raw(waitset_xml_writer *w, const char *name,
                        const char *value);

#endif /* WAITSET_XML_WRITER_H */
