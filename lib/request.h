/* SPDX-License-Identifier: MIT */
/*
 * Functions shared by the request files: validation
 * (request_validate.c), account lookups (request_lookup.c), applying
 * accounts (request_apply.c), the operations (request_ops.c) and the
 * entry points (request.c).
 */
#ifndef WAITSET_REQUEST_H
#define WAITSET_REQUEST_H

#include "internal.h"

/* Result of a validation step: OK, a fault already set on the call, or
 * an allocation failure. */
enum { CHECK_OK = 0, CHECK_FAULT = 1 };

/* request_validate.c */
int ws_fault_quoted(waitset_call *call, int status, const char *prefix,
                    const char *value, const char *suffix,
                    const char *arg_id);
void ws_fault_failure(waitset_call *call);
int ws_fault_no_such_waitset(waitset_call *call, const char *id);
int ws_validate(waitset_call *call, ws_req *r, const waitset_caller *caller,
                const waitset_request *in);
int ws_is_all_id(const char *id);
int ws_check_waitset(waitset_call *call, ws_req *r);

/* request_lookup.c */
void ws_detach_lookups(waitset_call *call);
int ws_start_lookups(waitset_call *call);

/* request_apply.c */
int ws_check_access(waitset_call *call);
int ws_prepare_apply(waitset_call *call);
void ws_apply_adds(waitset_call *call, ws_waitset *ws);
void ws_apply_updates(waitset_call *call, ws_waitset *ws);
void ws_apply_removes(waitset_call *call, ws_waitset *ws);

/* request_ops.c */
void ws_do_destroy(waitset_call *call);

#endif /* WAITSET_REQUEST_H */
