/*
 * qr_page.h - the guest ordering page a table's QR code leads to
 * (GET /t/{token}, served by qr_api.c). The text is in web/guest/; see
 * qr_page.c.
 */
#ifndef BUFFR_API_QR_PAGE_H
#define BUFFR_API_QR_PAGE_H

#include <stddef.h>

/* The page (UTF-8 HTML, static, never freed) and the value of its
 * Content-Security-Policy header, built from web/guest/ at first call. 0,
 * BUFFR_ENOMEM when it could not be built, or BUFFR_EINVAL when the
 * embedded text is unusable (table.html lacks its empty style or script
 * element): a build defect, logged. */
int qr_page(const char **html, size_t *len, const char **csp);

#endif
