/* SPDX-License-Identifier: MIT */
/*
 * Registry lifecycle, options bounds, versions and the error table.
 */
#include "mini_host.h"

/* ------------------------------------------------------------------ */
/* Registry creation and close                                         */

START_TEST(registry_new_rejects_bad_arguments)
{
  uv_loop_t loop;
  waitset_registry *reg = NULL;
  mh_host h;
  waitset_host host;

  mh_init(&h);
  host = mh_host_struct(&h);
  ck_assert_int_eq(uv_loop_init(&loop), 0);
  ck_assert_int_eq(waitset_registry_new(NULL, &loop, NULL, &host),
                   WAITSET_EINVAL);
  ck_assert_int_eq(waitset_registry_new(&reg, NULL, NULL, &host),
                   WAITSET_EINVAL);
  ck_assert_int_eq(waitset_registry_new(&reg, &loop, NULL, NULL),
                   WAITSET_EINVAL);
  host.lookup_account = NULL;
  ck_assert_int_eq(waitset_registry_new(&reg, &loop, NULL, &host),
                   WAITSET_EINVAL);
  host = mh_host_struct(&h);
  host.last_change_id = NULL;
  ck_assert_int_eq(waitset_registry_new(&reg, &loop, NULL, &host),
                   WAITSET_EINVAL);
  host = mh_host_struct(&h);
  host.size = 4;
  ck_assert_int_eq(waitset_registry_new(&reg, &loop, NULL, &host),
                   WAITSET_EVERSION);
  host.size = sizeof(host) + 8;
  ck_assert_int_eq(waitset_registry_new(&reg, &loop, NULL, &host),
                   WAITSET_EVERSION);
  ck_assert_ptr_null(reg);
  ck_assert_int_eq(uv_loop_close(&loop), 0);
  ck_assert_int_eq(uv_loop_close(&h.loop), 0);
}
END_TEST

START_TEST(registry_close_cb_later_turn)
{
  mh_host h;

  mh_start(&h, NULL);
  ck_assert_int_eq(waitset_registry_close(h.reg, mh_close_cb, &h), 0);
  ck_assert_int_eq(h.close_calls, 0);
  ck_assert_int_eq(waitset_registry_close(h.reg, mh_close_cb, &h),
                   WAITSET_ECLOSING);
  uv_run(&h.loop, UV_RUN_DEFAULT);
  ck_assert_int_eq(h.close_calls, 1);
  ck_assert_int_eq(uv_loop_close(&h.loop), 0);
}
END_TEST

START_TEST(registry_closing_rejects_calls)
{
  mh_host h;
  waitset_request rq = mh_request(WAITSET_OP_CREATE);
  waitset_change c;
  mh_resp r;

  mh_start(&h, NULL);
  rq.def_types = "m";
  ck_assert_int_eq(waitset_registry_close(h.reg, mh_close_cb, &h), 0);
  ck_assert_int_eq(mh_exec(&h, MH_A1, &rq, &r, NULL), WAITSET_ECLOSING);
  memset(&c, 0, sizeof(c));
  c.size = sizeof(c);
  c.account_id = MH_A1;
  c.change_id = 101;
  c.types = WAITSET_TYPE_MESSAGE;
  ck_assert_int_eq(waitset_post_change(h.reg, &c), WAITSET_ECLOSING);
  ck_assert_int_eq(waitset_post_change_threadsafe(h.reg, &c),
                   WAITSET_ECLOSING);
  ck_assert_int_eq(waitset_mailbox_deleted(h.reg, MH_A1), WAITSET_ECLOSING);
  ck_assert_int_eq(waitset_mailbox_unavailable(h.reg, MH_A1),
                   WAITSET_ECLOSING);
  ck_assert_int_eq(waitset_mailbox_available(h.reg, MH_A1, 5),
                   WAITSET_ECLOSING);
  ck_assert_int_eq(waitset_mailbox_failed(h.reg, MH_A1), WAITSET_ECLOSING);
  uv_run(&h.loop, UV_RUN_DEFAULT);
  ck_assert_int_eq(h.close_calls, 1);
  ck_assert_int_eq(uv_loop_close(&h.loop), 0);
}
END_TEST

START_TEST(registry_close_completes_pending)
{
  mh_host h;
  waitset_request rq = mh_request(WAITSET_OP_CREATE);
  mh_resp created;
  mh_resp parked;
  mh_resp looking;
  waitset_options *opts = mh_options();

  ck_assert_int_eq(waitset_options_set(opts, WAITSET_OPT_TIMEOUT_MIN_MS,
                                       1000), 0);
  mh_start(&h, opts);
  waitset_options_free(opts);
  rq.def_types = "all";
  ck_assert_int_eq(mh_exec(&h, MH_A1, &rq, &created, NULL), 0);
  mh_run_until(&h, &created.done);
  ck_assert_int_eq(created.status, 0);

  rq = mh_request(WAITSET_OP_WAIT);
  rq.waitset_id = created.waitset_id;
  rq.seq = "0";
  rq.block = "1";
  ck_assert_int_eq(mh_exec(&h, MH_A1, &rq, &parked, NULL), 0);
  uv_run(&h.loop, UV_RUN_NOWAIT);
  ck_assert_uint_eq(waitset_registry_parked(h.reg), 1);

  /* A create whose account lookup the host holds. */
  {
    waitset_account_spec add;
    waitset_request crq = mh_request(WAITSET_OP_CREATE);

    memset(&add, 0, sizeof(add));
    add.id = MH_A2;
    crq.def_types = "m";
    crq.add = &add;
    crq.add_count = 1;
    h.hold_lookups = 1;
    ck_assert_int_eq(mh_exec(&h, MH_A1, &crq, &looking, NULL), 0);
    ck_assert_uint_eq(h.held_count, 1);
  }

  ck_assert_int_eq(waitset_registry_close(h.reg, mh_close_cb, &h), 0);
  ck_assert_int_eq(parked.done, 0);
  uv_run(&h.loop, UV_RUN_NOWAIT);
  ck_assert_int_eq(parked.done, 1);
  ck_assert_int_eq(parked.canceled, 1);
  ck_assert_int_eq(parked.has_seq, 0);
  ck_assert_int_eq(looking.done, 1);
  ck_assert_int_eq(looking.status, WAITSET_ECANCELED);

  /* The close callback waits for the host's lookup. */
  uv_run(&h.loop, UV_RUN_NOWAIT);
  ck_assert_int_eq(h.close_calls, 0);
  {
    waitset_account_info info;

    memset(&info, 0, sizeof(info));
    info.size = sizeof(info);
    info.status = WAITSET_ACCOUNT_LOCAL;
    info.access = 1;
    info.id = MH_A2;
    ck_assert_int_eq(waitset_lookup_complete(h.held[0], &info),
                     WAITSET_ECANCELED);
    h.held_count = 0;
  }
  ck_assert_int_eq(h.close_calls, 0);
  uv_run(&h.loop, UV_RUN_DEFAULT);
  ck_assert_int_eq(h.close_calls, 1);
  ck_assert_int_eq(uv_loop_close(&h.loop), 0);
}
END_TEST

START_TEST(registry_completion_later_turn)
{
  mh_host h;
  waitset_request rq = mh_request(WAITSET_OP_CREATE);
  mh_resp r;
  waitset_call *call = NULL;

  mh_start(&h, NULL);
  rq.def_types = "all";
  ck_assert_int_eq(mh_exec(&h, MH_A1, &rq, &r, &call), 0);
  ck_assert_ptr_nonnull(call);
  ck_assert_int_eq(r.done, 0);
  ck_assert_uint_eq(waitset_registry_count(h.reg), 1);
  uv_run(&h.loop, UV_RUN_NOWAIT);
  ck_assert_int_eq(r.done, 1);
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(r.seq, "0");
  ck_assert_str_eq(r.def_types, "f,m,c,a,t,d");

  /* A fault also arrives on a later turn. */
  rq.def_types = NULL;
  ck_assert_int_eq(mh_exec(&h, MH_A1, &rq, &r, NULL), 0);
  ck_assert_int_eq(r.done, 0);
  uv_run(&h.loop, UV_RUN_NOWAIT);
  ck_assert_int_eq(r.done, 1);
  ck_assert_int_eq(r.status, WAITSET_EINVALID_REQUEST);
  mh_finish(&h);
}
END_TEST

START_TEST(registry_execute_rejects_bad_arguments)
{
  mh_host h;
  waitset_request rq = mh_request(WAITSET_OP_CREATE);
  waitset_caller c = mh_caller(MH_A1, 0);
  mh_resp r;

  mh_start(&h, NULL);
  rq.def_types = "m";
  ck_assert_int_eq(waitset_execute(NULL, &c, &rq, mh_record_cb, &r, NULL),
                   WAITSET_EINVAL);
  ck_assert_int_eq(waitset_execute(h.reg, NULL, &rq, mh_record_cb, &r,
                                   NULL), WAITSET_EINVAL);
  ck_assert_int_eq(waitset_execute(h.reg, &c, NULL, mh_record_cb, &r, NULL),
                   WAITSET_EINVAL);
  ck_assert_int_eq(waitset_execute(h.reg, &c, &rq, NULL, &r, NULL),
                   WAITSET_EINVAL);
  rq.op = 9;
  ck_assert_int_eq(mh_exec(&h, MH_A1, &rq, &r, NULL), WAITSET_EINVAL);
  rq.op = WAITSET_OP_CREATE;
  rq.size = 3;
  ck_assert_int_eq(mh_exec(&h, MH_A1, &rq, &r, NULL), WAITSET_EVERSION);
  rq.size = sizeof(rq);
  c.size = 2;
  ck_assert_int_eq(waitset_execute(h.reg, &c, &rq, mh_record_cb, &r, NULL),
                   WAITSET_EVERSION);
  ck_assert_int_eq(waitset_call_abandon(NULL), WAITSET_EINVAL);
  ck_assert_int_eq(waitset_post_change(h.reg, NULL), WAITSET_EINVAL);
  ck_assert_int_eq(waitset_mailbox_deleted(h.reg, NULL), WAITSET_EINVAL);
  uv_run(&h.loop, UV_RUN_NOWAIT);
  ck_assert_int_eq(r.done, 0);
  ck_assert_uint_eq(waitset_registry_count(h.reg), 0);
  mh_finish(&h);
}
END_TEST

START_TEST(registry_ids_random_v4)
{
  mh_host h;
  waitset_request rq = mh_request(WAITSET_OP_CREATE);
  char ids[64][128];
  mh_resp r;
  int i;
  int j;

  mh_start(&h, NULL);
  rq.def_types = "m";
  for (i = 0; i < 64; i++) {
    waitset_caller c = mh_caller(MH_ADMIN, WAITSET_CALLER_GLOBAL_ADMIN);
    const char *u;

    memset(&r, 0, sizeof(r));
    ck_assert_int_eq(waitset_execute(h.reg, &c, &rq, mh_record_cb, &r,
                                     NULL), 0);
    mh_run_until(&h, &r.done);
    ck_assert_int_eq(r.status, 0);
    ck_assert_uint_eq(strlen(r.waitset_id), strlen("WaitSet-") + 36);
    ck_assert_int_eq(strncmp(r.waitset_id, "WaitSet-", 8), 0);
    u = r.waitset_id + 8;
    for (j = 0; j < 36; j++) {
      if (j == 8 || j == 13 || j == 18 || j == 23)
        ck_assert_int_eq(u[j], '-');
      else
        ck_assert_msg((u[j] >= '0' && u[j] <= '9')
                          || (u[j] >= 'a' && u[j] <= 'f'),
                      "id \"%s\" is not lowercase hex", r.waitset_id);
    }
    ck_assert_int_eq(u[14], '4');
    ck_assert_msg(strchr("89ab", u[19]) != NULL, "variant of %s", u);
    snprintf(ids[i], sizeof(ids[i]), "%s", r.waitset_id);
    for (j = 0; j < i; j++)
      ck_assert_str_ne(ids[i], ids[j]);
  }
  ck_assert_uint_eq(waitset_registry_count(h.reg), 64);
  mh_finish(&h);
}
END_TEST

START_TEST(registry_user_data_slot)
{
  mh_host h;
  int token = 7;

  mh_start(&h, NULL);
  ck_assert_ptr_null(waitset_registry_get_user_data(h.reg));
  waitset_registry_set_user_data(h.reg, &token);
  ck_assert_ptr_eq(waitset_registry_get_user_data(h.reg), &token);
  ck_assert_uint_eq(waitset_registry_count(h.reg), 0);
  ck_assert_uint_eq(waitset_registry_parked(h.reg), 0);
  mh_finish(&h);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Options                                                             */

START_TEST(options_defaults_and_set)
{
  waitset_options *opts = NULL;
  int64_t v = 0;

  ck_assert_int_eq(waitset_options_new(NULL), WAITSET_EINVAL);
  ck_assert_int_eq(waitset_options_new(&opts), 0);
  ck_assert_int_eq(waitset_options_get(opts, WAITSET_OPT_INITIAL_DELAY_MS,
                                       &v), 0);
  ck_assert_int_eq(v, 1000);
  waitset_options_get(opts, WAITSET_OPT_COALESCE_DELAY_MS, &v);
  ck_assert_int_eq(v, 3000);
  waitset_options_get(opts, WAITSET_OPT_TIMEOUT_DEFAULT_MS, &v);
  ck_assert_int_eq(v, 300000);
  waitset_options_get(opts, WAITSET_OPT_TIMEOUT_MIN_MS, &v);
  ck_assert_int_eq(v, 30000);
  waitset_options_get(opts, WAITSET_OPT_TIMEOUT_MAX_MS, &v);
  ck_assert_int_eq(v, 1200000);
  waitset_options_get(opts, WAITSET_OPT_ADMIN_TIMEOUT_MIN_MS, &v);
  ck_assert_int_eq(v, 1000);
  waitset_options_get(opts, WAITSET_OPT_ADMIN_TIMEOUT_MAX_MS, &v);
  ck_assert_int_eq(v, 3600000);
  waitset_options_get(opts, WAITSET_OPT_IDLE_EXPIRY_MS, &v);
  ck_assert_int_eq(v, 1200000);
  waitset_options_get(opts, WAITSET_OPT_SWEEP_INTERVAL_MS, &v);
  ck_assert_int_eq(v, 60000);
  waitset_options_get(opts, WAITSET_OPT_MAX_WAITSETS_PER_OWNER, &v);
  ck_assert_int_eq(v, 5);
  waitset_options_get(opts, WAITSET_OPT_MAX_ACCOUNTS_PER_WAITSET, &v);
  ck_assert_int_eq(v, 1000000);
  waitset_options_get(opts, WAITSET_OPT_MAX_DETAIL_PER_ACCOUNT, &v);
  ck_assert_int_eq(v, 1000);

  ck_assert_int_eq(waitset_options_set(opts, 0, 1), WAITSET_EINVAL);
  ck_assert_int_eq(waitset_options_set(opts, 99, 1), WAITSET_EINVAL);
  ck_assert_int_eq(waitset_options_get(opts, 99, &v), WAITSET_EINVAL);
  ck_assert_int_eq(waitset_options_set(opts, WAITSET_OPT_INITIAL_DELAY_MS,
                                       -1), WAITSET_ERANGE);
  ck_assert_int_eq(waitset_options_set(opts,
                                       WAITSET_OPT_MAX_WAITSETS_PER_OWNER,
                                       0), WAITSET_ERANGE);
  ck_assert_int_eq(waitset_options_set(opts, WAITSET_OPT_INITIAL_DELAY_MS,
                                       0), 0);
  waitset_options_get(opts, WAITSET_OPT_INITIAL_DELAY_MS, &v);
  ck_assert_int_eq(v, 0);
  waitset_options_free(opts);
  waitset_options_free(NULL);
}
END_TEST

START_TEST(options_allocator_and_log_checks)
{
  waitset_options *opts = NULL;
  waitset_allocator a;

  ck_assert_int_eq(waitset_options_new(&opts), 0);
  a.version = 99;
  a.malloc = malloc;
  a.realloc = realloc;
  a.free = free;
  ck_assert_int_eq(waitset_options_set_allocator(opts, &a),
                   WAITSET_EVERSION);
  a.version = WAITSET_ALLOCATOR_VERSION;
  a.free = NULL;
  ck_assert_int_eq(waitset_options_set_allocator(opts, &a), WAITSET_EINVAL);
  a.free = free;
  ck_assert_int_eq(waitset_options_set_allocator(opts, &a), 0);
  ck_assert_int_eq(waitset_options_set_allocator(opts, NULL), 0);
  ck_assert_int_eq(waitset_options_set_log(opts, 0, NULL, NULL), 0);
  ck_assert_int_eq(waitset_options_set_log(NULL, 1, NULL, NULL),
                   WAITSET_EINVAL);
  waitset_options_free(opts);
}
END_TEST

/* One cross-option bound: set option to value and expect registry_new
 * to return expected. */
typedef struct bound_case {
  int option;
  int64_t value;
  int expected;
} bound_case;

static const bound_case bound_cases[] = {
    {WAITSET_OPT_TIMEOUT_MIN_MS, 999, WAITSET_ERANGE},
    {WAITSET_OPT_TIMEOUT_MIN_MS, 400000, WAITSET_ERANGE},
    {WAITSET_OPT_TIMEOUT_DEFAULT_MS, 2000000, WAITSET_ERANGE},
    {WAITSET_OPT_TIMEOUT_DEFAULT_MS, 20000, WAITSET_ERANGE},
    {WAITSET_OPT_TIMEOUT_MAX_MS, 20000, WAITSET_ERANGE},
    {WAITSET_OPT_ADMIN_TIMEOUT_MIN_MS, 999, WAITSET_ERANGE},
    {WAITSET_OPT_ADMIN_TIMEOUT_MIN_MS, 0, WAITSET_ERANGE},
    {WAITSET_OPT_ADMIN_TIMEOUT_DEFAULT_MS, 4000000, WAITSET_ERANGE},
    {WAITSET_OPT_ADMIN_TIMEOUT_MAX_MS, 2000, WAITSET_ERANGE},
    {WAITSET_OPT_IDLE_EXPIRY_MS, 0, WAITSET_ERANGE},
    {WAITSET_OPT_SWEEP_INTERVAL_MS, 0, WAITSET_ERANGE},
    {WAITSET_OPT_INITIAL_DELAY_MS, 0, 0},
    {WAITSET_OPT_COALESCE_DELAY_MS, 0, 0},
    {WAITSET_OPT_ADMIN_TIMEOUT_MIN_MS, 1000, 0},
    {WAITSET_OPT_TIMEOUT_MIN_MS, 1200000, WAITSET_ERANGE},
    {WAITSET_OPT_MAX_DETAIL_PER_ACCOUNT, 0, 0},
};

START_TEST(options_cross_bounds)
{
  const bound_case *bc = &bound_cases[_i];
  waitset_options *opts = NULL;
  waitset_registry *reg = NULL;
  mh_host h;
  waitset_host host;
  int rc;

  mh_init(&h);
  host = mh_host_struct(&h);
  ck_assert_int_eq(waitset_options_new(&opts), 0);
  ck_assert_int_eq(waitset_options_set(opts, bc->option, bc->value), 0);
  rc = waitset_registry_new(&reg, &h.loop, opts, &host);
  waitset_options_free(opts);
  ck_assert_msg(rc == bc->expected, "option %d = %lld: got %s", bc->option,
                (long long)bc->value, waitset_err_name(rc));
  if (rc == 0) {
    h.reg = reg;
    mh_finish(&h);
  } else {
    ck_assert_int_eq(uv_loop_close(&h.loop), 0);
  }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Versions and names                                                  */

START_TEST(version_matches_headers)
{
  char expected[32];

  ck_assert_uint_eq(waitset_version(), WAITSET_VERSION_NUM);
  ck_assert_str_eq(waitset_version_string(), WAITSET_VERSION_STRING);
  snprintf(expected, sizeof(expected), "%d.%d.%d", WAITSET_VERSION_MAJOR,
           WAITSET_VERSION_MINOR, WAITSET_VERSION_PATCH);
  ck_assert_str_eq(waitset_version_string(), expected);
  ck_assert(WAITSET_VERSION_AT_LEAST(1, 0, 0));
}
END_TEST

static const int all_codes[] = {
    WAITSET_OK,
    WAITSET_EINVAL,
    WAITSET_ENOMEM,
    WAITSET_EEXIST,
    WAITSET_ENOENT,
    WAITSET_ETIMEDOUT,
    WAITSET_ECANCELED,
    WAITSET_ECLOSING,
    WAITSET_ERECURSIVE,
    WAITSET_EVERSION,
    WAITSET_EUSER,
    WAITSET_ELOOP,
    WAITSET_ERANGE,
    WAITSET_ESTATE,
    WAITSET_EINVALID_REQUEST,
    WAITSET_EPERM_DENIED,
    WAITSET_ENO_SUCH_WAITSET,
    WAITSET_EMAIL_NO_SUCH_WAITSET,
    WAITSET_EAUTH_REQUIRED,
    WAITSET_EAUTH_EXPIRED,
    WAITSET_EFAILURE,
    WAITSET_EPARSE_ERROR,
    WAITSET_EUNKNOWN_DOCUMENT,
    WAITSET_EXML_SYNTAX,
    WAITSET_EXML_SCHEMA,
    WAITSET_EXML_LIMIT,
    WAITSET_EXML_TRUNCATED,
    WAITSET_EXML_UNSUPPORTED,
    WAITSET_EXML_DOCTYPE,
    WAITSET_EXML_UNKNOWN,
    WAITSET_EXML_NAMESPACE,
    WAITSET_EXML_STOPPED,
};

START_TEST(errors_every_code_named)
{
  size_t i;
  size_t j;

  for (i = 0; i < sizeof(all_codes) / sizeof(all_codes[0]); i++) {
    int code = all_codes[i];
    const char *fault = waitset_fault_code(code);

    ck_assert_str_ne(waitset_strerror(code), "unknown error");
    ck_assert_msg(strncmp(waitset_err_name(code), "WAITSET_", 8) == 0,
                  "code %d", code);
    ck_assert_str_ne(waitset_err_name(code), "WAITSET_UNKNOWN");
    ck_assert_ptr_nonnull(strchr(fault, '.'));
    for (j = 0; j < i; j++)
      ck_assert_str_ne(waitset_err_name(code),
                       waitset_err_name(all_codes[j]));
  }
  ck_assert_str_eq(waitset_err_name(WAITSET_ENOMEM), "WAITSET_ENOMEM");
  ck_assert_str_eq(waitset_strerror(-77), "unknown error");
  ck_assert_str_eq(waitset_err_name(-77), "WAITSET_UNKNOWN");
  ck_assert_str_eq(waitset_fault_code(-77), "service.FAILURE");
  ck_assert_int_eq(waitset_fault_is_sender(-77), 0);
}
END_TEST

START_TEST(errors_fault_code_mapping)
{
  ck_assert_str_eq(waitset_fault_code(WAITSET_EINVALID_REQUEST),
                   "service.INVALID_REQUEST");
  ck_assert_str_eq(waitset_fault_code(WAITSET_EPERM_DENIED),
                   "service.PERM_DENIED");
  ck_assert_str_eq(waitset_fault_code(WAITSET_ENO_SUCH_WAITSET),
                   "admin.NO_SUCH_WAITSET");
  ck_assert_str_eq(waitset_fault_code(WAITSET_EMAIL_NO_SUCH_WAITSET),
                   "mail.NO_SUCH_WAITSET");
  ck_assert_str_eq(waitset_fault_code(WAITSET_EAUTH_REQUIRED),
                   "service.AUTH_REQUIRED");
  ck_assert_str_eq(waitset_fault_code(WAITSET_EAUTH_EXPIRED),
                   "service.AUTH_EXPIRED");
  ck_assert_str_eq(waitset_fault_code(WAITSET_EFAILURE), "service.FAILURE");
  ck_assert_str_eq(waitset_fault_code(WAITSET_EPARSE_ERROR),
                   "service.PARSE_ERROR");
  ck_assert_str_eq(waitset_fault_code(WAITSET_EUNKNOWN_DOCUMENT),
                   "service.UNKNOWN_DOCUMENT");
  ck_assert_str_eq(waitset_fault_code(WAITSET_EXML_SYNTAX),
                   "service.PARSE_ERROR");
  ck_assert_str_eq(waitset_fault_code(WAITSET_EXML_TRUNCATED),
                   "service.PARSE_ERROR");
  ck_assert_str_eq(waitset_fault_code(WAITSET_EXML_UNKNOWN),
                   "service.UNKNOWN_DOCUMENT");
  ck_assert_str_eq(waitset_fault_code(WAITSET_EXML_LIMIT),
                   "service.INVALID_REQUEST");
  ck_assert_str_eq(waitset_fault_code(WAITSET_EXML_SCHEMA),
                   "service.INVALID_REQUEST");
  ck_assert_str_eq(waitset_fault_code(WAITSET_EXML_DOCTYPE),
                   "service.PARSE_ERROR");
  ck_assert_str_eq(waitset_fault_code(WAITSET_EXML_STOPPED),
                   "service.FAILURE");
  ck_assert_int_eq(waitset_fault_is_sender(WAITSET_EXML_STOPPED), 0);
  ck_assert_int_eq(waitset_fault_is_sender(WAITSET_EXML_UNSUPPORTED), 0);
  ck_assert_str_eq(waitset_fault_code(WAITSET_ENOMEM), "service.FAILURE");
  ck_assert_int_eq(waitset_fault_is_sender(WAITSET_EINVALID_REQUEST), 1);
  ck_assert_int_eq(waitset_fault_is_sender(WAITSET_EXML_SYNTAX), 1);
  ck_assert_int_eq(waitset_fault_is_sender(WAITSET_EFAILURE), 0);
  ck_assert_int_eq(waitset_fault_is_sender(WAITSET_ENOMEM), 0);
}
END_TEST

START_TEST(names_item_and_account_errors)
{
  ck_assert_str_eq(waitset_item_type_name(WAITSET_ITEM_MESSAGE), "MESSAGE");
  ck_assert_str_eq(waitset_item_type_name(WAITSET_ITEM_FOLDER), "FOLDER");
  ck_assert_str_eq(waitset_item_type_name(WAITSET_ITEM_SMARTFOLDER),
                   "SMARTFOLDER");
  ck_assert_ptr_null(waitset_item_type_name(18));
  ck_assert_ptr_null(waitset_item_type_name(-1));
  ck_assert_str_eq(waitset_account_error_name(
                       WAITSET_ACCOUNT_ALREADY_IN_SET_DURING_ADD),
                   "ALREADY_IN_SET_DURING_ADD");
  ck_assert_str_eq(waitset_account_error_name(
                       WAITSET_ACCOUNT_NOT_IN_SET_DURING_UPDATE),
                   "NOT_IN_SET_DURING_UPDATE");
  ck_assert_str_eq(waitset_account_error_name(
                       WAITSET_ACCOUNT_MAILBOX_DELETED),
                   "MAILBOX_DELETED");
  ck_assert_str_eq(waitset_account_error_name(
                       WAITSET_ACCOUNT_MAINTENANCE_MODE),
                   "MAINTENANCE_MODE");
  ck_assert_ptr_null(waitset_account_error_name(0));
  ck_assert_ptr_null(waitset_account_error_name(9));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Change records                                                      */

typedef struct merge_tally {
  int done;
  size_t created;
  size_t modified;
  int bits_ok;
  int lost;
} merge_tally;

static void
merge_tally_cb(waitset_registry *reg, const waitset_response *resp,
               void *user_data)
{
  merge_tally *t = user_data;
  size_t i;
  size_t j;

  (void)reg;
  t->done = 1;
  t->bits_ok = 1;
  for (i = 0; i < resp->signal_count; i++) {
    t->lost |= resp->signals[i].detail_lost;
    for (j = 0; j < resp->signals[i].mods_count; j++) {
      const waitset_folder_mods *m = &resp->signals[i].mods[j];
      size_t k;

      t->created += m->created_count;
      t->modified += m->modified_count;
      for (k = 0; k < m->modified_count; k++) {
        if (m->modified[k].change
            != (WAITSET_CHANGE_FLAGS | WAITSET_CHANGE_TAGS)
            || m->modified[k].flags != 7)
          t->bits_ok = 0;
      }
    }
  }
}

static void
post_modify(mh_host *h, int32_t item, int32_t change, int32_t flags)
{
  static const int32_t inbox = 2;
  waitset_item_info mod;
  waitset_change c;

  memset(&mod, 0, sizeof(mod));
  mod.id = item;
  mod.type = WAITSET_ITEM_MESSAGE;
  mod.folder_id = inbox;
  mod.flags = flags;
  mod.change = change;
  memset(&c, 0, sizeof(c));
  c.size = sizeof(c);
  c.account_id = MH_A1;
  c.change_id = ++h->last_change_id[0];
  c.types = WAITSET_TYPE_MESSAGE;
  c.folders = &inbox;
  c.folder_count = 1;
  c.modified = &mod;
  c.modified_count = 1;
  ck_assert_int_eq(waitset_post_change(h->reg, &c), 0);
}

START_TEST(detail_merge_many_records)
{
  mh_host h;
  waitset_request rq = mh_request(WAITSET_OP_CREATE);
  waitset_caller c = mh_caller(MH_A1, 0);
  waitset_account_spec add;
  merge_tally t;
  mh_resp r;
  int i;

  mh_start(&h, NULL);
  memset(&add, 0, sizeof(add));
  add.id = MH_A1;
  rq.def_types = "m";
  rq.add = &add;
  rq.add_count = 1;
  ck_assert_int_eq(mh_exec(&h, MH_A1, &rq, &r, NULL), 0);
  mh_run_until(&h, &r.done);
  /* Enough records for the merge index; each item is created, then
   * modified twice, and the two modifications merge. */
  for (i = 0; i < 40; i++)
    ck_assert_int_eq(mh_deliver(&h, MH_A1, 1000 + i), 0);
  for (i = 0; i < 40; i++)
    post_modify(&h, 1000 + i, WAITSET_CHANGE_FLAGS, 3);
  for (i = 0; i < 40; i++)
    post_modify(&h, 1000 + i, WAITSET_CHANGE_TAGS, 7);
  rq = mh_request(WAITSET_OP_WAIT);
  rq.waitset_id = r.waitset_id;
  rq.seq = "0";
  rq.expand = "1";
  memset(&t, 0, sizeof(t));
  ck_assert_int_eq(waitset_execute(h.reg, &c, &rq, merge_tally_cb, &t,
                                   NULL), 0);
  mh_run_until(&h, &t.done);
  ck_assert_uint_eq(t.created, 40);
  ck_assert_uint_eq(t.modified, 40);
  ck_assert_int_eq(t.bits_ok, 1);
  ck_assert_int_eq(t.lost, 0);
  mh_finish(&h);
}
END_TEST

static Suite *
lifecycle_suite(void)
{
  Suite *s = suite_create("lifecycle");
  TCase *tc = tcase_create("core");

  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, registry_new_rejects_bad_arguments);
  tcase_add_test(tc, registry_close_cb_later_turn);
  tcase_add_test(tc, registry_closing_rejects_calls);
  tcase_add_test(tc, registry_close_completes_pending);
  tcase_add_test(tc, registry_completion_later_turn);
  tcase_add_test(tc, registry_execute_rejects_bad_arguments);
  tcase_add_test(tc, registry_ids_random_v4);
  tcase_add_test(tc, registry_user_data_slot);
  tcase_add_test(tc, options_defaults_and_set);
  tcase_add_test(tc, options_allocator_and_log_checks);
  tcase_add_loop_test(tc, options_cross_bounds, 0,
                      sizeof(bound_cases) / sizeof(bound_cases[0]));
  tcase_add_test(tc, version_matches_headers);
  tcase_add_test(tc, errors_every_code_named);
  tcase_add_test(tc, errors_fault_code_mapping);
  tcase_add_test(tc, names_item_and_account_errors);
  tcase_add_test(tc, detail_merge_many_records);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  SRunner *sr = srunner_create(lifecycle_suite());
  int failed;

  srunner_set_tap(sr, "-");
  srunner_run_all(sr, CK_SILENT);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? 0 : 1;
}
