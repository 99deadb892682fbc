/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * minisign files and signatures: known vectors made by Debian's minisign 0.11, our own
 * round trips, and every refusal (bad signature, wrong key, legacy, zero signature,
 * strict base64 and line rules, encrypted and damaged secret keys).
 */
#include <errno.h>
#include <openssl/evp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bb-tables.h"

/* Made with: minisign -G -W; echo hello > f; minisign -S -m f -t "my tc"; and -l (legacy). */
static const char ms_pub[] = "untrusted comment: minisign public key F64C7C1A9A7F0CA8\n"
                             "RWSoDH+aGnxM9pUy2ceb/whhUduOUrjI8Xd7IlNUrAqabQJzxueRXHIT\n";
static const char ms_sig[] =
    "untrusted comment: signature from minisign secret key\n"
    "RUSoDH+aGnxM9n6dVMfu3MBRibofkIwj9hnLPE9hHcmc5Yd7IW6+/"
    "dmNmij3ng3hhXPplO+bN7h5CKpySguksaoNO4NjJZ4BwgM=\n"
    "trusted comment: my tc\n"
    "dQsCUpD3Agf+T4d8OUcHiFfk6gANqWMnOZWq0YeAHrVbNpO3xfgvPV4dXhPfRqu6rlICFduRljleum+7uPfxAg==\n";
static const char ms_legacy[] =
    "untrusted comment: signature from minisign secret key\n"
    "RWSoDH+aGnxM9kghKpb2rZaFmzksPBUEInv3fKMKyh0b8t1td3qCn/"
    "qr+2MKMBreagO2dcyuArVzf2Xm3QVM9fAQYgqOUnzISgk=\n"
    "trusted comment: timestamp:1795315950\tfile:f\n"
    "BMG0HPfCiJJw7KbBjJ0w63UufJF6mC1hlvIeRkrL0+tFCug7/M/BsOW05Rwbw+elN1mnPuogH1Lci094ArTBCg==\n";
static const char hello[] = "hello\n";

static struct bb_reason why;

static void expect(int r, int err, enum bb_check check, const char *needle)
{
	if (r != err || why.check != check || !strstr(why.msg, needle))
		fail_msg("want %d %s '%s', got %d %s '%s'", err, bb_check_name(check), needle, r,
		         bb_check_name(why.check), why.msg);
}

static int parse_sig(const char *text, struct bb_minisig *sig)
{
	memset(&why, 0, sizeof(why));
	return bb_minisig_parse(text, strlen(text), "f.minisig", sig, &why);
}

static int parse_pub(const char *text, struct bb_pubkey *pk)
{
	memset(&why, 0, sizeof(why));
	return bb_pubkey_parse(text, strlen(text), "k.pub", pk, &why);
}

static void test_minisign_vector_verifies(void **state)
{
	struct bb_pubkey pk;
	struct bb_minisig sig;
	char id[17];

	(void)state;
	assert_int_equal(parse_pub(ms_pub, &pk), 0);
	bb_keyid_hex(pk.keyid, id);
	assert_string_equal(id, "F64C7C1A9A7F0CA8");
	assert_int_equal(parse_sig(ms_sig, &sig), 0);
	assert_string_equal(sig.trusted_comment, "my tc");
	assert_int_equal(bb_verify_buffer(&pk, &sig, hello, strlen(hello), &why), 0);
	/* One byte more and the signature no longer holds. */
	expect(bb_verify_buffer(&pk, &sig, "hello!\n", 7, &why), -EKEYREJECTED, BB_CHECK_SIGNATURE,
	       "bad signature: the file does not match");
	/* A changed trusted comment breaks the global signature. */
	strcpy(sig.trusted_comment, "my tc, edited");
	expect(bb_verify_buffer(&pk, &sig, hello, strlen(hello), &why), -EKEYREJECTED,
	       BB_CHECK_SIGNATURE, "trusted comment does not match");
}

static void test_legacy_and_zero_refused(void **state)
{
	struct bb_minisig sig;
	char text[512];
	uint8_t bin[74] = {'E', 'D'};
	char b64[128];

	(void)state;
	expect(parse_sig(ms_legacy, &sig), -EPROTONOSUPPORT, BB_CHECK_ALGORITHM,
	       "legacy signature");
	/* An all-zero signature, well-formed otherwise. */
	memset(bin + 2, 0xa8, 8);
	EVP_EncodeBlock((unsigned char *)b64, bin, sizeof(bin));
	snprintf(text, sizeof(text), "untrusted comment: x\n%s\ntrusted comment: t\n%s\n", b64,
	         "dQsCUpD3Agf+T4d8OUcHiFfk6gANqWMnOZWq0YeAHrVbNpO3xfgvPV4dXhPfRqu6rlICFduRljleum+"
	         "7uPfxAg==");
	expect(parse_sig(text, &sig), -EKEYREJECTED, BB_CHECK_SIGNATURE, "all-zero signature");
	bin[0] = 'X';
	EVP_EncodeBlock((unsigned char *)b64, bin, sizeof(bin));
	snprintf(text, sizeof(text), "untrusted comment: x\n%s\n", b64);
	expect(parse_sig(text, &sig), -EPROTONOSUPPORT, BB_CHECK_ALGORITHM,
	       "unknown signature algorithm");
}

/* Replaces the first occurrence of FROM in SRC by TO into a static buffer. */
static const char *edit(const char *src, const char *from, const char *to)
{
	static char out[2048];
	const char *p = strstr(src, from);
	assert_non_null(p);
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(p - src), src, to, p + strlen(from));
	return out;
}

static void test_strict_syntax(void **state)
{
	struct bb_minisig sig;
	struct bb_pubkey pk;
	char text[2048];

	(void)state;
	/* Non-canonical base64: the last symbol's unused bits set ('M' -> 'N'). */
	expect(parse_sig(edit(ms_sig, "wgM=", "wgN="), &sig), -EBADMSG, BB_CHECK_SYNTAX,
	       "f.minisig:2: signature: invalid base64");
	expect(parse_sig(edit(ms_sig, "wgM=", "wgM"), &sig), -EBADMSG, BB_CHECK_SYNTAX,
	       "expected 100 base64 characters, got 99");
	expect(parse_sig(edit(ms_sig, "RUSoDH", "RUSoD H"), &sig), -EBADMSG, BB_CHECK_SYNTAX,
	       "got 101");
	expect(parse_sig(edit(ms_sig, "RUSo", "RU-o"), &sig), -EBADMSG, BB_CHECK_SYNTAX,
	       "invalid base64");
	expect(parse_sig(edit(ms_sig, "trusted comment: my", "trusted comment:my"), &sig), -EBADMSG,
	       BB_CHECK_SYNTAX, "f.minisig:3:1: expected \"trusted comment: \"");
	expect(parse_sig(edit(ms_sig, "my tc", "my\x01tc"), &sig), -EBADMSG, BB_CHECK_SYNTAX,
	       "f.minisig:3:20: control character");
	expect(parse_sig(edit(ms_sig, "key\n", "key\r\n"), &sig), -EBADMSG, BB_CHECK_SYNTAX,
	       "control character");
	/* Truncated: last newline missing, or lines missing. */
	snprintf(text, sizeof(text), "%.*s", (int)strlen(ms_sig) - 1, ms_sig);
	expect(parse_sig(text, &sig), -EBADMSG, BB_CHECK_SYNTAX, "does not end in a newline");
	snprintf(text, sizeof(text), "%.*s", (int)(strstr(ms_sig, "trusted comment: my") - ms_sig),
	         ms_sig);
	expect(parse_sig(text, &sig), -EBADMSG, BB_CHECK_SYNTAX, "f.minisig:3: truncated");
	/* Trailing garbage after the global signature. */
	snprintf(text, sizeof(text), "%sextra\n", ms_sig);
	expect(parse_sig(text, &sig), -EBADMSG, BB_CHECK_SYNTAX, "f.minisig:5: trailing garbage");
	snprintf(text, sizeof(text), "%s\n", ms_sig);
	expect(parse_sig(text, &sig), -EBADMSG, BB_CHECK_SYNTAX, "trailing garbage");
	/* Over-long comments. */
	memset(text, 'a', sizeof(text));
	memcpy(text, "untrusted comment: ", 19);
	strcpy(text + 19 + BB_UNTRUSTED_COMMENT_MAX + 1, "\n");
	expect(parse_sig(text, &sig), -EBADMSG, BB_CHECK_SYNTAX, "comment longer than 1024");
	/* Public key: wrong algorithm, wrong length, extra line. */
	expect(parse_pub(edit(ms_pub, "RWSo", "RXSo"), &pk), -EPROTONOSUPPORT, BB_CHECK_ALGORITHM,
	       "unknown public key algorithm");
	expect(parse_pub(edit(ms_pub, "RWSo", "RWS"), &pk), -EBADMSG, BB_CHECK_SYNTAX,
	       "k.pub:2: public key: expected 56 base64 characters, got 55");
	snprintf(text, sizeof(text), "%s\n", ms_pub);
	expect(parse_pub(text, &pk), -EBADMSG, BB_CHECK_SYNTAX, "k.pub:3: trailing garbage");
	expect(parse_pub("RWSoDH+aGnxM9pUy2ceb/whhUduOUrjI8Xd7IlNUrAqabQJzxueRXHIT\n", &pk),
	       -EBADMSG, BB_CHECK_SYNTAX, "k.pub:1:1: expected \"untrusted comment: \"");
}

static void test_roundtrip_and_wrong_key(void **state)
{
	struct bb_seckey sk, sk2, parsed;
	struct bb_pubkey pk, pk2, pk_parsed;
	struct bb_minisig sig, sig_parsed;
	char *text = NULL;

	(void)state;
	assert_int_equal(bb_keygen(&sk), 0);
	assert_int_equal(bb_keygen(&sk2), 0);
	bb_seckey_pubkey(&sk, &pk);
	bb_seckey_pubkey(&sk2, &pk2);

	assert_int_equal(bb_seckey_format(&sk, &text), 0);
	assert_int_equal(bb_seckey_parse(text, strlen(text), "k.key", &parsed, &why), 0);
	assert_memory_equal(&parsed, &sk, sizeof(sk));
	free(text);
	assert_int_equal(bb_pubkey_format(&pk, &text), 0);
	assert_int_equal(parse_pub(text, &pk_parsed), 0);
	assert_memory_equal(&pk_parsed, &pk, sizeof(pk));
	free(text);

	assert_int_equal(bb_sign_buffer(&sk, hello, 6, "timestamp:1\tfile:f\thashed", &sig, &why),
	                 0);
	assert_int_equal(bb_minisig_format(&sig, &text), 0);
	assert_int_equal(parse_sig(text, &sig_parsed), 0);
	free(text);
	assert_string_equal(sig_parsed.trusted_comment, "timestamp:1\tfile:f\thashed");
	assert_int_equal(bb_verify_buffer(&pk, &sig_parsed, hello, 6, &why), 0);

	/* Wrong key: another key id. */
	expect(bb_verify_buffer(&pk2, &sig_parsed, hello, 6, &why), -EKEYREJECTED,
	       BB_CHECK_SIGNATURE, "wrong key");
	/* Same key id, other key material: the signature itself fails. */
	memcpy(pk2.keyid, pk.keyid, BB_KEYID_LEN);
	expect(bb_verify_buffer(&pk2, &sig_parsed, hello, 6, &why), -EKEYREJECTED,
	       BB_CHECK_SIGNATURE, "bad signature");
	/* Control characters are refused in a trusted comment we sign. */
	expect(bb_sign_buffer(&sk, hello, 6, "a\nb", &sig, &why), -EINVAL, BB_CHECK_SYNTAX,
	       "trusted comment");
	bb_seckey_wipe(&sk);
	bb_seckey_wipe(&sk2);
}

static void test_seckey_refusals(void **state)
{
	struct bb_seckey sk, parsed;
	unsigned char bin[158];
	char *text = NULL, b64[256], file[512];

	(void)state;
	assert_int_equal(bb_keygen(&sk), 0);
	assert_int_equal(bb_seckey_format(&sk, &text), 0);
	char *line2 = strchr(text, '\n') + 1;
	*strchr(line2, '\n') = '\0';
	assert_int_equal(EVP_DecodeBlock(bin, (unsigned char *)line2, (int)strlen(line2)), 159);
	free(text);

	/* Encrypted with scrypt ("Sc"), as minisign -G without -W writes. */
	memcpy(bin + 2, "Sc", 2);
	EVP_EncodeBlock((unsigned char *)b64, bin, sizeof(bin));
	snprintf(file, sizeof(file), "untrusted comment: k\n%s\n", b64);
	memset(&why, 0, sizeof(why));
	expect(bb_seckey_parse(file, strlen(file), "k.key", &parsed, &why), -EOPNOTSUPP,
	       BB_CHECK_ALGORITHM, "encrypted");
	/* A flipped bit in the key: checksum mismatch. */
	memcpy(bin + 2, "\0\0", 2);
	bin[100] ^= 1;
	EVP_EncodeBlock((unsigned char *)b64, bin, sizeof(bin));
	snprintf(file, sizeof(file), "untrusted comment: k\n%s\n", b64);
	expect(bb_seckey_parse(file, strlen(file), "k.key", &parsed, &why), -EBADMSG,
	       BB_CHECK_SYNTAX, "checksum mismatch");
	bb_seckey_wipe(&sk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_minisign_vector_verifies),
	    cmocka_unit_test(test_legacy_and_zero_refused),
	    cmocka_unit_test(test_strict_syntax),
	    cmocka_unit_test(test_roundtrip_and_wrong_key),
	    cmocka_unit_test(test_seckey_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
