/* SPDX-License-Identifier: MIT */
/*
 * SOAP replies of waitsetd: responses built with the codec's writer, and
 * Faults, sent over an HTTP exchange. A Fault is sent with HTTP 500 and a
 * normal response with 200; both use the SOAP version of the request.
 */
#ifndef WAITSETD_SOAP_H
#define WAITSETD_SOAP_H

#include <waitset/xml.h>

#include "http.h"

/* The SOAP version of a reply: a bare request gets a SOAP 1.2 envelope. */
int soap_reply_version(int request_version);

/* Content type of a SOAP version: application/soap+xml or text/xml. */
const char *soap_content_type(int soap_version);

/* Send a finished codec buffer with an HTTP status, then free it. */
void soap_send_buffer(http_exchange *ex, int status, int soap_version,
                      waitset_xml_buffer *buf);

/*
 * Send a Fault for a libwaitset error code (waitset_fault_code() gives
 * its Zimbra code). reason NULL uses the library's text.
 */
void soap_send_error(http_exchange *ex, int soap_version, int err,
                     const char *reason);

/*
 * Send a Fault for any Zimbra fault code, such as "mail.NO_SUCH_FOLDER".
 * Codes with a libwaitset error code go through the codec. The others
 * are sent as sender (client) faults.
 */
void soap_send_fault(http_exchange *ex, int soap_version, const char *code,
                     const char *reason);

/*
 * Start a reply: a writer in the reply's SOAP version. When change_token
 * is >= 0, the header carries <context xmlns="urn:zimbra"><change
 * token=".."/></context> with the mailbox's lastChangeId, as Zimbra
 * sends. Returns NULL when out of memory.
 */
waitset_xml_writer *soap_reply_start(int soap_version, int64_t change_token);

/* Finish a writer and send it with 200; on a writer error, a Fault. */
void soap_reply_send(http_exchange *ex, int soap_version,
                     waitset_xml_writer *w);

#endif /* WAITSETD_SOAP_H */
