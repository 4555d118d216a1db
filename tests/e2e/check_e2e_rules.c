/* SPDX-License-Identifier: MIT */
/*
 * End-to-end tests of wire rules that the other e2e suites leave out:
 * the exact boundary of the default element depth limit (32 levels,
 * counting the SOAP Envelope as level 1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.h"

#define ADD(id) "<a id=\"" id "\"/>"

/* Build a WaitSetRequest on ws whose deepest element sits at level depth
 * inside the SOAP 1.2 envelope of e2e_call(). Envelope, Body and the
 * command take levels 1 to 3, as does the header's context. Unknown <x>
 * elements, which the codec ignores, fill the levels below. */
static char *
nested_wait(const char *ws, int depth)
{
  size_t len = (size_t)depth * 8 + 512;
  char *body = malloc(len);
  size_t used;
  int i;

  ck_assert_ptr_nonnull(body);
  used = (size_t)snprintf(body, len,
                          "<WaitSetRequest " NS_MAIL
                          " waitSet=\"%s\" seq=\"0\">",
                          ws);
  for (i = 3; i < depth; i++)
    used += (size_t)snprintf(body + used, len - used, "<x>");
  for (i = 3; i < depth; i++)
    used += (size_t)snprintf(body + used, len - used, "</x>");
  snprintf(body + used, len - used, "</WaitSetRequest>");
  return body;
}

START_TEST(depth_limit_boundary)
{
  const char *ws = e2e_create(&fx.u1, "m", ADD(U1));
  wsc_reply *reply;
  char *body;

  body = nested_wait(ws, 32);
  reply = e2e_call(&fx.u1, MAIL, "%s", body);
  free(body);
  e2e_expect_ok(reply, "WaitSetResponse");
  wsc_reply_free(reply);

  body = nested_wait(ws, 33);
  reply = e2e_call(&fx.u1, MAIL, "%s", body);
  free(body);
  e2e_expect_fault(reply, "service.INVALID_REQUEST");
  e2e_expect_reason(reply, "32");
  wsc_reply_free(reply);
}
END_TEST

static Suite *
e2e_rules_suite(void)
{
  Suite *s = suite_create("e2e_rules");
  TCase *tc = tcase_create("limits");

  tcase_add_checked_fixture(tc, e2e_setup, e2e_teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, depth_limit_boundary);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  SRunner *sr;
  int failed;

  if (wsc_global_init() != 0)
    return 1;
  sr = srunner_create(e2e_rules_suite());
  srunner_set_tap(sr, "-");
  srunner_run_all(sr, CK_SILENT);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  wsc_global_cleanup();
  return failed == 0 ? 0 : 1;
}
