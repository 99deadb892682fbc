/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bindbroker-crypto: the client's commands that need OpenSSL (libbb_tables' signatures,
 * libbb_audit's journal), in a program of their own so that the device commands start
 * without loading it. Run only by the client (run-helper.c), never by hand.
 */
#pragma once

#include "client.h"

/* Each gets the words after its command, the subcommand first ("install", "verify", ...). */
int cmd_keygen(const Client *c, const CommandArgs *a);    /* keygen.c */
int table_install(const Client *c, const CommandArgs *a); /* table-install.c */
int table_verify(const Client *c, const CommandArgs *a);  /* table-verify.c */
int table_sign(const Client *c, const CommandArgs *a);    /* table-sign.c */
int audit_verify(const Client *c, const CommandArgs *a);  /* audit-verify.c */
int audit_export(const Client *c, const CommandArgs *a);  /* audit-export.c */
