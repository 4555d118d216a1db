/* SPDX-License-Identifier: MIT */
/*
 * End-to-end fixture: starts waitsetd on 127.0.0.1 port 0 with a private
 * accounts file and small timing settings, reads the bound address from
 * its stdout, and stops it with SIGTERM at teardown, asserting a clean
 * exit. Requests go over real HTTP through the example client.
 *
 * The server process is driven by a private uv loop that must close
 * cleanly at teardown. The fixture lives in one file-static struct that
 * setup fills from scratch, so tests also pass with CK_FORK=no.
 */
#ifndef WAITSET_TESTS_E2E_H
#define WAITSET_TESTS_E2E_H

#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <uv.h>

#include "wsclient.h"

/* Accounts of the private accounts file; each mailbox starts with
 * lastChangeId 100. U9's mailbox is on another host, U8's is in
 * maintenance. */
#define U1 "aaaaaaaa-0000-0000-0000-000000000001"
#define U2 "aaaaaaaa-0000-0000-0000-000000000002"
#define U3 "aaaaaaaa-0000-0000-0000-000000000003"
#define U8 "aaaaaaaa-0000-0000-0000-000000000008"
#define U9 "aaaaaaaa-0000-0000-0000-000000000009"
#define AD "aaaaaaaa-0000-0000-0000-0000000000ad"
#define NOBODY "ffffffff-0000-0000-0000-00000000ffff"
#define U1_NAME "u1@ex.test"
#define U2_NAME "u2@ex.test"

#define MAIL WSC_PATH_MAIL
#define ADMIN WSC_PATH_ADMIN
#define NS_MAIL "xmlns=\"" WSC_NS_MAIL "\""
#define NS_ADMIN "xmlns=\"" WSC_NS_ADMIN "\""

/*
 * Timing of the default server, in the units of its options. Blocking
 * waits that name no timeout stay parked for 10 s, far longer than any
 * test step; timeout="0" clamps to 1 s, the smallest timeout bound the
 * core accepts.
 */
#define E2E_INITIAL_DELAY_MS "20"
#define E2E_COALESCE_DELAY_MS "20"

typedef struct e2e_fixture {
  uv_loop_t loop;
  uv_process_t process;
  uv_pipe_t stdout_pipe;
  uv_timer_t watchdog;
  int running;
  int exited;
  int64_t exit_status;
  int term_signal;
  int timed_out;
  char line[128];
  size_t line_len;
  int have_line;

  char dir[256];            /* private temp directory */
  char accounts_path[300];
  char log_path[300];
  char url[160];            /* http://127.0.0.1:PORT */
  char host_port[128];

  wsc_client u1;            /* user tokens on the mail path */
  wsc_client u2;
  wsc_client ad;            /* global admin token */
  char ws[160];             /* last id from e2e_create() */
} e2e_fixture;

extern e2e_fixture fx;

/* Checked fixture: start the default server and log in u1, u2 and ad. */
void e2e_setup(void);
void e2e_teardown(void);

/*
 * Restart the server with extra options, each "--name" followed by its
 * value; an option given here replaces the default of the same name.
 * The list ends with NULL. Logs the three clients in again.
 */
void e2e_restart(const char *first, ...);

/* ------------------------------------------------------------------ */
/* Requests                                                            */

/* wsc_call() that fails the test when no HTTP response arrives. */
wsc_reply *e2e_call(const wsc_client *client, const char *path,
                    const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* POST a raw document (no envelope added) with the given content type. */
wsc_reply *e2e_post(const char *path, const char *doc,
                    const char *content_type, int connection_close);

/* Assert a 200 response whose body element has this local name. */
void e2e_expect_ok(const wsc_reply *reply, const char *name);

/* Assert a 500 SOAP Fault with this Detail/Error/Code. */
void e2e_expect_fault(const wsc_reply *reply, const char *code);

/* Assert that the Fault reason contains this text. */
void e2e_expect_reason(const wsc_reply *reply, const char *text);

/*
 * Create a waitset with CreateWaitSetRequest (or the admin command when
 * client is &fx.ad) and the given attributes and <add> content; stores
 * and returns its id. Fails the test on a Fault.
 */
const char *e2e_create(const wsc_client *client, const char *def_types,
                       const char *add_xml);

/*
 * WaitSetRequest on the mail path (AdminWaitSetRequest when client is
 * &fx.ad) with extra attributes and content, e.g.
 *   e2e_wait(&fx.u1, ws, "0", "block=\"1\"", "<add>...</add>")
 */
wsc_reply *e2e_wait(const wsc_client *client, const char *ws,
                    const char *seq, const char *attrs, const char *content);

/* Deliver an unread message to a folder of the client's own mailbox; returns
 * the message id. */
int e2e_add_msg(const wsc_client *client, int folder);

/* Create a folder under the root; returns its id. */
int e2e_create_folder(const wsc_client *client, const char *name);

/*
 * Inject a change into an account through the admin demo command;
 * records is the XML of <created|modified|deleted .../> elements.
 * Returns the change id.
 */
long e2e_inject(const char *account, const char *records);

/* Assert that a Wait response lists exactly these accounts ("" none),
 * given as a comma-separated list, and return its seq. */
const char *e2e_expect_accounts(const wsc_reply *reply, const char *ids);

/* The <a> of an account in a response, or NULL. */
const waitset_xml_node *e2e_account(const wsc_reply *reply, const char *id);

/* Number of <session> elements for this account in QueryWaitSet of ws. */
int e2e_query_sessions(const char *ws, const char *account);

/* The ld attribute of ws in QueryWaitSet, read without refreshing it. */
long long e2e_query_ld(const char *ws);

/* Monotonic milliseconds. */
uint64_t e2e_now_ms(void);

/*
 * Give a request started in the background time to reach the server and
 * park. No response shows when a wait is parked, so this waits 150 ms,
 * several times the server's 20 ms delays.
 */
void e2e_settle(void);

/* ------------------------------------------------------------------ */
/* Requests in the background                                          */

typedef struct e2e_async e2e_async;

/* Start a request on its own thread; same arguments as e2e_wait(). */
e2e_async *e2e_wait_async(const wsc_client *client, const char *ws,
                          const char *seq, const char *attrs,
                          const char *content);

/* Start any request on its own thread, with a transfer limit. */
e2e_async *e2e_call_async(const wsc_client *client, const char *path,
                          long timeout_ms, const char *body);

/* Non-zero once the response has arrived (or the transfer failed). */
int e2e_async_done(e2e_async *async);

/*
 * Wait up to max_ms for the response, fail the test if it does not come,
 * and return it; the async object is freed. *elapsed_ms (may be NULL)
 * receives the time from start to response.
 */
wsc_reply *e2e_async_join(e2e_async *async, long max_ms,
                          uint64_t *elapsed_ms);

/* Like e2e_async_join(), but a transport failure is returned, not fatal. */
wsc_reply *e2e_async_join_any(e2e_async *async, long max_ms,
                              uint64_t *elapsed_ms);

/* ------------------------------------------------------------------ */
/* Raw sockets                                                         */

/* Connect to the server; returns the socket or fails the test. */
int e2e_raw_connect(void);

/* Send all bytes, or fail the test. */
void e2e_raw_send(int fd, const char *data, size_t len);

/*
 * Read until the peer closes or max_ms pass; returns a malloc'd,
 * NUL-terminated buffer (possibly empty).
 */
char *e2e_raw_read(int fd, long max_ms, size_t *len);

/* The status code of a raw HTTP response, or 0 when there is none. */
int e2e_raw_status(const char *response);

/* The body of a raw HTTP response (after the blank line), or NULL. */
const char *e2e_raw_body(const char *response);

#endif /* WAITSET_TESTS_E2E_H */
