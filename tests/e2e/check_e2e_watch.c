/* SPDX-License-Identifier: MIT */
/*
 * End-to-end tests of the waitset-watch example client against waitsetd:
 * notification lines, expand detail, recreation after the waitset is
 * destroyed, admin mode and error exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"

#define MAX_ARGS 32

typedef struct watch_run {
  uv_process_t process;
  int exited;
  int64_t exit_status;
  int term_signal;
  char out_path[320];
  char err_path[320];
} watch_run;

static void
on_watch_exit(uv_process_t *process, int64_t exit_status, int term_signal)
{
  watch_run *run = process->data;

  run->exited = 1;
  run->exit_status = exit_status;
  run->term_signal = term_signal;
}

/* Start waitset-watch --server URL followed by args (NULL-terminated). */
static void
watch_start(watch_run *run, const char *const *args)
{
  uv_process_options_t options;
  uv_stdio_container_t stdio[3];
  char *argv[MAX_ARGS];
  const char *program = getenv("WAITSET_WATCH");
  size_t n = 0;
  int out_fd;
  int err_fd;
  int rc;

  ck_assert_msg(program != NULL,
                "set WAITSET_WATCH to the waitset-watch executable");
  memset(run, 0, sizeof(*run));
  snprintf(run->out_path, sizeof(run->out_path), "%s/watch.out", fx.dir);
  snprintf(run->err_path, sizeof(run->err_path), "%s/watch.err", fx.dir);
  out_fd = open(run->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  err_fd = open(run->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ck_assert_int_ge(out_fd, 0);
  ck_assert_int_ge(err_fd, 0);

  argv[n++] = (char *)program;
  argv[n++] = "--server";
  argv[n++] = fx.url;
  while (*args != NULL && n + 1 < MAX_ARGS)
    argv[n++] = (char *)*args++;
  argv[n] = NULL;

  memset(&options, 0, sizeof(options));
  memset(stdio, 0, sizeof(stdio));
  stdio[0].flags = UV_IGNORE;
  stdio[1].flags = UV_INHERIT_FD;
  stdio[1].data.fd = out_fd;
  stdio[2].flags = UV_INHERIT_FD;
  stdio[2].data.fd = err_fd;
  options.file = program;
  options.args = argv;
  options.exit_cb = on_watch_exit;
  options.stdio = stdio;
  options.stdio_count = 3;
  run->process.data = run;
  rc = uv_spawn(&fx.loop, &run->process, &options);
  close(out_fd);
  close(err_fd);
  ck_assert_msg(rc == 0, "cannot start %s: %s", program, uv_strerror(rc));
}

/* The whole content of a file, malloc'd and NUL-terminated. */
static char *
read_file(const char *path)
{
  FILE *f = fopen(path, "r");
  size_t cap = 4096;
  size_t used = 0;
  char *text = malloc(cap);

  ck_assert_ptr_nonnull(text);
  if (f != NULL) {
    size_t n;

    while ((n = fread(text + used, 1, cap - used - 1, f)) > 0) {
      used += n;
      if (used + 1 == cap) {
        cap *= 2;
        text = realloc(text, cap);
        ck_assert_ptr_nonnull(text);
      }
    }
    fclose(f);
  }
  text[used] = '\0';
  return text;
}

static int
count_occurrences(const char *text, const char *needle)
{
  int n = 0;

  for (text = strstr(text, needle); text; text = strstr(text + 1, needle))
    n++;
  return n;
}

/*
 * Poll the file until needle occurs in it `times` times, for up to
 * max_ms. The loop runs meanwhile, so an early exit fails the test.
 */
static void
wait_for_text(watch_run *run, const char *path, const char *needle,
              int times, long max_ms)
{
  uint64_t deadline = e2e_now_ms() + (uint64_t)max_ms;
  struct timespec pause = { 0, 10 * 1000000L };
  char *text;

  for (;;) {
    text = read_file(path);
    if (count_occurrences(text, needle) >= times)
      break;
    uv_run(&fx.loop, UV_RUN_NOWAIT);
    ck_assert_msg(!run->exited && e2e_now_ms() < deadline,
                  "\"%s\" did not appear %d times in %s (watch %s): %s",
                  needle, times, path, run->exited ? "exited" : "running",
                  text);
    free(text);
    nanosleep(&pause, NULL);
  }
  free(text);
}

static void
on_close_noop(uv_handle_t *handle)
{
  (void)handle;
}

/* Wait for the exit, close the handle and return the exit status. */
static int64_t
watch_join(watch_run *run, long max_ms)
{
  uint64_t deadline = e2e_now_ms() + (uint64_t)max_ms;
  struct timespec pause = { 0, 10 * 1000000L };

  while (!run->exited && e2e_now_ms() < deadline) {
    uv_run(&fx.loop, UV_RUN_NOWAIT);
    if (!run->exited)
      nanosleep(&pause, NULL);
  }
  if (!run->exited) {
    uv_process_kill(&run->process, SIGKILL);
    while (!run->exited)
      uv_run(&fx.loop, UV_RUN_ONCE);
  }
  uv_close((uv_handle_t *)&run->process, on_close_noop);
  uv_run(&fx.loop, UV_RUN_NOWAIT);
  ck_assert_msg(run->term_signal == 0 || run->term_signal == SIGKILL,
                "waitset-watch died of signal %d", run->term_signal);
  ck_assert_msg(run->term_signal == 0,
                "waitset-watch did not exit within %ld ms", max_ms);
  return run->exit_status;
}

START_TEST(watch_prints_notification)
{
  static const char *const args[] = { "--user", U1_NAME, "--password",
                                      "pw1", "--types", "m", "--expand",
                                      "--count", "1", NULL };
  watch_run run;
  char expected[160];
  char *out;
  int id;

  watch_start(&run, args);
  wait_for_text(&run, run.err_path, "waiting for changes", 1, 5000);
  id = e2e_add_msg(&fx.u1, 2);
  ck_assert_int_eq(watch_join(&run, 5000), 0);

  out = read_file(run.out_path);
  snprintf(expected, sizeof(expected),
           "account " U1 " changeid 101 | folder 2: created MESSAGE %d\n",
           id);
  ck_assert_str_eq(out, expected);
  free(out);
}
END_TEST

START_TEST(watch_recreates_waitset)
{
  static const char *const args[] = { "--user", U1_NAME, "--password",
                                      "pw1", "--count", "1", NULL };
  const char *id_start;
  wsc_reply *reply;
  watch_run run;
  char ws[160];
  char *err;
  char *out;
  size_t len;

  watch_start(&run, args);
  wait_for_text(&run, run.err_path, "waiting for changes", 1, 5000);
  err = read_file(run.err_path);
  id_start = strstr(err, "created ");
  ck_assert_ptr_nonnull(id_start);
  id_start += strlen("created ");
  len = strcspn(id_start, " \n");
  ck_assert_uint_lt(len, sizeof(ws));
  memcpy(ws, id_start, len);
  ws[len] = '\0';
  free(err);

  reply = e2e_call(&fx.u1, MAIL,
                   "<DestroyWaitSetRequest " NS_MAIL " waitSet=\"%s\"/>", ws);
  e2e_expect_ok(reply, "DestroyWaitSetResponse");
  wsc_reply_free(reply);

  wait_for_text(&run, run.err_path, "no longer exists", 1, 5000);
  wait_for_text(&run, run.err_path, "created WaitSet-", 2, 5000);
  e2e_add_msg(&fx.u1, 2);
  ck_assert_int_eq(watch_join(&run, 5000), 0);

  out = read_file(run.out_path);
  ck_assert_int_eq(count_occurrences(out, "account " U1 " changeid "), 1);
  free(out);
  err = read_file(run.err_path);
  ck_assert_msg(strstr(err, ws) != NULL, "%s", err);
  ck_assert_msg(strstr(err, "wait canceled") != NULL, "%s", err);
  free(err);
}
END_TEST

START_TEST(watch_admin_accounts)
{
  static const char *const args[] = { "--user", "ad@ex.test", "--password",
                                      "pwad", "--admin", "--account", U1,
                                      "--account", U2, "--count", "2",
                                      NULL };
  watch_run run;
  char *out;

  watch_start(&run, args);
  wait_for_text(&run, run.err_path, "waiting for changes", 1, 5000);
  e2e_add_msg(&fx.u1, 2);
  wait_for_text(&run, run.out_path, "account " U1, 1, 5000);
  e2e_add_msg(&fx.u2, 2);
  ck_assert_int_eq(watch_join(&run, 5000), 0);

  out = read_file(run.out_path);
  ck_assert_int_eq(count_occurrences(out, "account " U1 " changeid 101"), 1);
  ck_assert_int_eq(count_occurrences(out, "account " U2 " changeid 101"), 1);
  ck_assert_int_eq(count_occurrences(out, "\n"), 2);
  free(out);
}
END_TEST

START_TEST(watch_login_failure)
{
  static const char *const args[] = { "--user", U1_NAME, "--password",
                                      "wrong", NULL };
  watch_run run;
  char *err;

  watch_start(&run, args);
  ck_assert_int_eq(watch_join(&run, 5000), 1);
  err = read_file(run.err_path);
  ck_assert_msg(strstr(err, "login as " U1_NAME " failed") != NULL, "%s",
                err);
  free(err);
}
END_TEST

START_TEST(watch_invalid_options)
{
  static const char *const bad_count[] = { "--user", U1_NAME, "--password",
                                           "pw1", "--count", "0", NULL };
  static const char *const no_user[] = { "--password", "pw1", NULL };
  watch_run run;
  char *err;

  watch_start(&run, bad_count);
  ck_assert_int_eq(watch_join(&run, 5000), 2);
  err = read_file(run.err_path);
  ck_assert_msg(strstr(err, "invalid --count \"0\"") != NULL, "%s", err);
  free(err);

  watch_start(&run, no_user);
  ck_assert_int_eq(watch_join(&run, 5000), 2);
  err = read_file(run.err_path);
  ck_assert_msg(strstr(err, "are required") != NULL, "%s", err);
  free(err);
}
END_TEST

static Suite *
e2e_watch_suite(void)
{
  Suite *s = suite_create("e2e_watch");
  TCase *tc = tcase_create("watch");

  tcase_add_checked_fixture(tc, e2e_setup, e2e_teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, watch_prints_notification);
  tcase_add_test(tc, watch_recreates_waitset);
  tcase_add_test(tc, watch_admin_accounts);
  tcase_add_test(tc, watch_login_failure);
  tcase_add_test(tc, watch_invalid_options);
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
  sr = srunner_create(e2e_watch_suite());
  srunner_set_tap(sr, "-");
  srunner_run_all(sr, CK_SILENT);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  wsc_global_cleanup();
  return failed == 0 ? 0 : 1;
}
