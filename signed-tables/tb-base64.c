/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Strict base64: standard alphabet, '=' padding required, no whitespace, and the
 * unused low bits of the last symbol must be zero, so every byte string has exactly
 * one accepted encoding.
 */
#include <errno.h>

#include "tb-internal.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t tb_base64_encoded_len(size_t len)
{
	return (len + 2) / 3 * 4;
}

void tb_base64_encode(const uint8_t *in, size_t len, char *out)
{
	size_t i, o = 0;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = alphabet[v >> 6 & 63];
		out[o++] = alphabet[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = alphabet[v >> 6 & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
}

static int symbol(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int tb_base64_decode(const char *in, size_t in_len, uint8_t *out, size_t out_len)
{
	size_t pad = out_len % 3 ? 3 - out_len % 3 : 0;
	size_t o = 0;

	if (in_len != tb_base64_encoded_len(out_len))
		return -EBADMSG;
	for (size_t i = 0; i < in_len; i += 4) {
		bool last = i + 4 == in_len;
		int s[4];
		for (size_t j = 0; j < 4; j++) {
			if (last && j >= 4 - pad) {
				if (in[i + j] != '=')
					return -EBADMSG;
				s[j] = 0;
				continue;
			}
			s[j] = symbol(in[i + j]);
			if (s[j] < 0)
				return -EBADMSG;
		}
		uint32_t v = (uint32_t)s[0] << 18 | (uint32_t)s[1] << 12 | (uint32_t)s[2] << 6 |
		             (uint32_t)s[3];
		uint8_t b[3] = {v >> 16 & 0xff, v >> 8 & 0xff, v & 0xff};
		size_t n = last ? 3 - pad : 3;
		/* Bits that padding hides must be zero: one encoding per value. */
		for (size_t j = n; j < 3; j++)
			if (b[j] != 0)
				return -EBADMSG;
		for (size_t j = 0; j < n; j++)
			out[o++] = b[j];
	}
	return o == out_len ? 0 : -EBADMSG;
}
