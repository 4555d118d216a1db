/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the codec tests: decoding a document in every chunking,
 * a canonical dump of decoder results, a counting and failing
 * allocator, and a private uv loop per test.
 */
#ifndef XML_TEST_H
#define XML_TEST_H

#include <stddef.h>

#include <check.h>
#include <waitset/xml.h>

#define S12 "http://www.w3.org/2003/05/soap-envelope"
#define S11 "http://schemas.xmlsoap.org/soap/envelope/"
#define ENV12_OPEN "<soap:Envelope xmlns:soap=\"" S12 "\">"
#define ENV11_OPEN "<soap:Envelope xmlns:soap=\"" S11 "\">"
#define ENV_CLOSE "</soap:Envelope>"
#define BODY12(x) ENV12_OPEN "<soap:Body>" x "</soap:Body>" ENV_CLOSE
#define BODY11(x) ENV11_OPEN "<soap:Body>" x "</soap:Body>" ENV_CLOSE

/* Add the uv loop fixture to a test case: each test gets a private loop
 * that must close cleanly. */
void xt_add_loop_fixture(TCase *tc);

/*
 * Decode `text` whole and in every chunk size from 1 to 7 bytes, assert
 * that all eight runs give the same canonical dump, and return the
 * decoder of the whole run (free it with waitset_xml_decoder_free). The
 * feed result is stored in *rc.
 */
waitset_xml_decoder *xt_decode(const char *text, int accept_other, int *rc);

/* The same with caller options. */
waitset_xml_decoder *xt_decode_opts(const char *text, size_t len,
                                    const waitset_xml_options *opts, int *rc);

/* Write a canonical dump of the decoder's result into out. */
void xt_dump(const waitset_xml_decoder *dec, char *out, size_t cap);

/* A string value or "(null)". */
const char *xt_str(const char *s);

/* ------------------------------------------------------------------ */
/* Failing allocator                                                   */

/* Allocations succeed until `fail_at` of them were made (0: never fail).
 * `live` counts blocks not yet freed. */
extern long xt_alloc_fail_at;
extern long xt_alloc_count;
extern long xt_alloc_live;
extern const waitset_allocator xt_allocator;
void xt_alloc_reset(long fail_at);

#endif /* XML_TEST_H */
