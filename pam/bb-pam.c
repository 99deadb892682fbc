/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <security/pam_appl.h>
#include <stdio.h>
#include <string.h>

#include "bb-macro.h"
#include "bb-pam.h"
#include "bb-validate.h"

struct conversation_log {
	char text[256];
};

/* Collects what the stack says; refuses every prompt, since nobody can answer one. */
static int silent_conversation(int count, const struct pam_message **msgs,
			       struct pam_response **responses, void *userdata)
{
	struct conversation_log *log = userdata;

	*responses = NULL;
	for (int i = 0; i < count; i++) {
		switch (msgs[i]->msg_style) {
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			if (log->text[0] == '\0' && msgs[i]->msg)
				snprintf(log->text, sizeof(log->text), "%s", msgs[i]->msg);
			break;
		default:
			return PAM_CONV_ERR;
		}
	}
	return PAM_SUCCESS;
}

static bool plausible_user_name(const char *s)
{
	/* The name comes from getpwuid() of a peer's uid; still, keep it to what useradd allows. */
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.' || (c == '$' && i == n - 1)))
			return false;
	}
	return s[0] != '-';
}

int bb_pam_authorize(const struct bb_pam_request *req, char *reason, size_t size)
{
	struct conversation_log log = { .text = "" };
	struct pam_conv conv = { .conv = silent_conversation, .appdata_ptr = &log };
	const char *service = req->service ? req->service : BB_PAM_SERVICE;
	pam_handle_t *pamh = NULL;
	int r;

	if (reason && size)
		reason[0] = '\0';
	if (!plausible_user_name(req->user)) {
		if (reason)
			snprintf(reason, size, "invalid user name");
		return -EINVAL;
	}

	r = pam_start_confdir(service, req->user, &conv, req->confdir, &pamh);
	if (r != PAM_SUCCESS) {
		if (reason)
			snprintf(reason, size, "PAM service %s could not start: %s", service,
				 pam_strerror(NULL, r));
		return -EIO;
	}
	if (req->ruser)
		r = pam_set_item(pamh, PAM_RUSER, req->ruser);
	if (r == PAM_SUCCESS && req->tty)
		r = pam_set_item(pamh, PAM_TTY, req->tty);
	if (r == PAM_SUCCESS)
		r = pam_acct_mgmt(pamh, PAM_SILENT);

	/* Only PAM_SUCCESS allows; PAM_NEW_AUTHTOK_REQD and everything else deny. */
	if (r != PAM_SUCCESS && reason)
		snprintf(reason, size, "PAM account stack %s denied user %s: %s%s%s", service,
			 req->user, pam_strerror(pamh, r), log.text[0] ? ": " : "", log.text);
	pam_end(pamh, r);
	return r == PAM_SUCCESS ? BB_PAM_ALLOWED : BB_PAM_DENIED;
}
