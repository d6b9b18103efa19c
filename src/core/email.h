/*
 * email.h - what counts as an email address, checked the same way for a
 * user's login and a guest's profile, and the lower-cased form used to match
 * addresses. The check is for plausibility (one '@', a domain with a dot, no
 * spaces or control characters); deliverability is not checked here.
 */
#ifndef BUFFR_CORE_EMAIL_H
#define BUFFR_CORE_EMAIL_H

#include <stdbool.h>
#include <stddef.h>

bool email_is_valid(const char *s);

/* s with ASCII letters lower-cased into out. 0, or -1 when it does not fit. */
int email_key(const char *s, char *out, size_t len);

#endif
