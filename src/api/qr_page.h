/*
 * qr_page.h - the guest ordering page a table's QR code leads to
 * (GET /t/{token}, served by qr_api.c). See qr_page.c.
 */
#ifndef BUFFR_API_QR_PAGE_H
#define BUFFR_API_QR_PAGE_H

#include <stddef.h>

/* The page (UTF-8 HTML, static, never freed) and the value of its
 * Content-Security-Policy header. 0, or BUFFR_ENOMEM when it could not be
 * built. */
int qr_page(const char **html, size_t *len, const char **csp);

#endif
