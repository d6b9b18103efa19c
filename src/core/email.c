/* email.c - plausibility check and matching key of email addresses. */
#include "core/email.h"

#include <string.h>

bool email_is_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 3 || n > 254)
        return false;
    const char *at = strchr(s, '@');
    if (at == NULL || at == s || strchr(at + 1, '@') != NULL)
        return false;
    const char *dot = strchr(at + 1, '.');
    if (dot == NULL || dot == at + 1 || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] == 0x7f)
            return false;
    return true;
}

int email_key(const char *s, char *out, size_t len)
{
    size_t n = strlen(s);
    if (n >= len)
        return -1;
    for (size_t i = 0; i <= n; i++)
        out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
    return 0;
}
