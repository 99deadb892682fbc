/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The chain of checks for a signed table, in the order that gives the most useful
 * refusal: signature file syntax, signer trusted, signature valid, table syntax, scope.
 * Expiry and rollback depend on the moment and the state; install and load add them.
 */
#include <errno.h>
#include <string.h>

#include "tb-internal.h"

int tb_verify_signed(const struct bb_trust *trust, const char *table, size_t table_len,
                     const char *sig, size_t sig_len, const char *origin, struct tb_loaded *ret,
                     struct bb_reason *why)
{
	_cleanup_free_ struct bb_minisig *ms = calloc(1, sizeof(*ms));
	_cleanup_(bb_table_freep) struct bb_table *t = NULL;
	const struct bb_trusted_key *key;
	char sig_origin[300];
	int r;

	if (!ms)
		return tb_fail(why, BB_CHECK_IO, -ENOMEM, "out of memory");
	snprintf(sig_origin, sizeof(sig_origin), "%s.minisig", origin);
	r = bb_minisig_parse(sig, sig_len, sig_origin, ms, why);
	if (r < 0)
		return r;
	key = bb_trust_find(trust, ms->keyid, why);
	if (!key)
		return -ENOKEY;
	r = bb_verify_buffer(&key->key, ms, table, table_len, why);
	if (r < 0)
		return r;
	r = bb_table_parse(table, table_len, origin, &t, why);
	if (r < 0)
		return r;
	r = bb_trust_check_scope(key, t, why);
	if (r < 0)
		return r;
	ret->table = TAKE_PTR(t);
	ret->is_signed = true;
	snprintf(ret->signer_name, sizeof(ret->signer_name), "%s", key->name);
	memcpy(ret->keyid, ms->keyid, BB_KEYID_LEN);
	return 0;
}
