/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one thread that makes every PAM call. libpam modules keep global state
 * (and some are not thread-safe), so askers on any thread queue their question
 * here and wait for the answer.
 */
#pragma once

#include <stddef.h>

#include "bb-pam.h"

typedef struct BbPamWorker BbPamWorker;

/* Starts the thread. */
int bb_pam_worker_start(BbPamWorker **ret);
/* bb_pam_authorize() on the worker thread; blocks the caller until it answered. */
int bb_pam_worker_ask(BbPamWorker *w, const struct bb_pam_request *req, char *reason, size_t size);
/* Answers what is queued, then joins the thread and frees W. NULL is fine. */
void bb_pam_worker_stop(BbPamWorker *w);
