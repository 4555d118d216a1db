/* SPDX-License-Identifier: MIT */
/*
 * waitset-addmsg: deliver one message into a mailbox with AddMsgRequest,
 * the change that wakes a waitset-watch of that account in the demo.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsclient.h"

static void
usage(FILE *out)
{
  fprintf(out,
          "Usage: waitset-addmsg --server URL --user NAME --password PW\n"
          "                      [--folder ID] [--subject TEXT]\n"
          "\n"
          "Log in as NAME and add one message to its folder ID (default 2,\n"
          "the Inbox). Prints the new message id.\n");
}

int
main(int argc, char **argv)
{
  const char *server = NULL;
  const char *user = NULL;
  const char *password = NULL;
  const char *folder = "2";
  const char *subject = "Hello from waitset-addmsg";
  const waitset_xml_node *message;
  wsc_client client;
  wsc_reply *reply;
  char *subject_xml;
  char *folder_xml;
  char err[512];
  int rc = 1;
  int i;

  /* Every option takes a value, so the loop steps over pairs. */
  for (i = 1; i < argc; i += 2) {
    const char *value = i + 1 < argc ? argv[i + 1] : NULL;

    if (strcmp(argv[i], "--help") == 0) {
      usage(stdout);
      return 0;
    }
    if (value == NULL) {
      fprintf(stderr, "waitset-addmsg: %s is unknown or lacks its value "
              "(see --help)\n", argv[i]);
      return 2;
    }
    if (strcmp(argv[i], "--server") == 0)
      server = value;
    else if (strcmp(argv[i], "--user") == 0)
      user = value;
    else if (strcmp(argv[i], "--password") == 0)
      password = value;
    else if (strcmp(argv[i], "--folder") == 0)
      folder = value;
    else if (strcmp(argv[i], "--subject") == 0)
      subject = value;
    else {
      fprintf(stderr, "waitset-addmsg: unknown option %s (see --help)\n",
              argv[i]);
      return 2;
    }
  }
  if (server == NULL || user == NULL || password == NULL) {
    fprintf(stderr, "waitset-addmsg: --server, --user and --password are "
            "required (see --help)\n");
    return 2;
  }

  if (wsc_global_init() != 0) {
    fprintf(stderr, "waitset-addmsg: libcurl initialization failed\n");
    return 1;
  }
  wsc_client_init(&client, server);
  if (wsc_login(&client, user, password, 0, err, sizeof(err)) != 0) {
    fprintf(stderr, "waitset-addmsg: %s\n", err);
    wsc_global_cleanup();
    return 1;
  }

  subject_xml = wsc_xml_escape(subject);
  folder_xml = wsc_xml_escape(folder);
  reply = NULL;
  if (subject_xml != NULL && folder_xml != NULL)
    reply = wsc_call(&client, WSC_PATH_MAIL,
                     "<AddMsgRequest xmlns=\"" WSC_NS_MAIL "\">"
                     "<m l=\"%s\" f=\"u\"><content>Subject: %s\r\n\r\n"
                     "Delivered by waitset-addmsg.\r\n</content></m>"
                     "</AddMsgRequest>",
                     folder_xml, subject_xml);
  free(subject_xml);
  free(folder_xml);

  message = reply && reply->fault_code == NULL
                ? wsc_node_child(reply->body, "m") : NULL;
  if (reply == NULL)
    fprintf(stderr, "waitset-addmsg: AddMsgRequest failed: out of "
            "memory\n");
  else if (reply->fault_code != NULL)
    fprintf(stderr, "waitset-addmsg: AddMsgRequest failed: %s: %s\n",
            reply->fault_code,
            reply->fault_reason ? reply->fault_reason : "(no reason)");
  else if (message == NULL || waitset_xml_node_attr(message, "id") == NULL)
    fprintf(stderr, "waitset-addmsg: AddMsgRequest failed: %s\n",
            reply->error[0] ? reply->error
                            : "the response has no <m id=\"...\">");
  else {
    printf("added message %s to folder %s of %s\n",
           waitset_xml_node_attr(message, "id"), folder, user);
    rc = 0;
  }
  wsc_reply_free(reply);
  wsc_global_cleanup();
  return rc;
}
