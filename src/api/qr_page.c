/*
 * qr_page.c - the page a guest's phone opens from a table's QR code,
 * GET /t/{token}: one self-contained HTML document (style and script
 * inline, nothing loaded from elsewhere) that reads the token from its own
 * address and talks to the public /api/v1/qr/{token}/... routes: shows the
 * menu, lets the guest choose items, quantities and modifier options,
 * places the order (with an Idempotency-Key, so a retry never orders
 * twice) and then follows its status by polling.
 *
 * The text lives in web/guest/ (table.html, table.css, table.js), compiled
 * in by cmake/embed.cmake; edit it there. This file puts the style and the
 * script into the empty <style></style> and <script></script> of the HTML.
 * Menu text reaches the page only through textContent, never innerHTML.
 * The page is the same for every table (the token is not in it), so the
 * document and its Content-Security-Policy, which allows 'self' and the
 * SHA-256 hashes of the inline style and script and nothing else, are
 * built once, at first use.
 *
 * Not here: the route and its headers (qr_api.c), the token (tables.c).
 */
#include "api/qr_page.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "web_guest.h"

static pthread_once_t page_once = PTHREAD_ONCE_INIT;
static int page_status = BUFFR_ENOMEM;
static char *page_html;
static size_t page_len;
static char page_csp[512];

/* 'sha256-<base64>' of an inline element's exact text, as CSP wants it. */
static int page_hash_source(const unsigned char *text, size_t len, char *out, size_t size)
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    crypto_hash_sha256(digest, text, len);
    sodium_bin2base64(b64, sizeof(b64), digest, sizeof(digest), sodium_base64_VARIANT_ORIGINAL);
    int n = snprintf(out, size, "'sha256-%s'", b64);
    return n > 0 && (size_t)n < size ? 0 : BUFFR_EINVAL;
}

/* Where an element's text goes in table.html: *at is just after the open
 * tag (open_len bytes) of the one empty element `pair`, e.g. <style></style>.
 * A missing or repeated pair means table.html was edited wrongly. */
static int page_slot(const char *pair, size_t open_len, size_t *at)
{
    const unsigned char *html = web_guest_table_html;
    size_t len = web_guest_table_html_len, pair_len = strlen(pair);
    const unsigned char *found = memmem(html, len, pair, pair_len);
    if (found == NULL)
        return BUFFR_EINVAL;
    size_t after = (size_t)(found - html) + pair_len;
    if (memmem(html + after, len - after, pair, pair_len) != NULL)
        return BUFFR_EINVAL;
    *at = (size_t)(found - html) + open_len;
    return 0;
}

static void page_build(void)
{
    size_t style_at, script_at;
    if (page_slot("<style></style>", strlen("<style>"), &style_at) != 0 ||
        page_slot("<script></script>", strlen("<script>"), &script_at) != 0 ||
        style_at > script_at) {
        log_error("web/guest/table.html needs one empty <style></style> and, after it, one empty "
                  "<script></script>: the guest page cannot be served");
        page_status = BUFFR_EINVAL;
        return;
    }
    char style_hash[64], script_hash[64];
    if (page_hash_source(web_guest_table_css, web_guest_table_css_len, style_hash,
                         sizeof(style_hash)) != 0 ||
        page_hash_source(web_guest_table_js, web_guest_table_js_len, script_hash,
                         sizeof(script_hash)) != 0) {
        page_status = BUFFR_EINVAL;
        return;
    }
    /* connect-src and img-src 'self': the API and item pictures; nothing
     * may frame the page, post a form elsewhere or change its base. */
    int n = snprintf(page_csp, sizeof(page_csp),
                     "default-src 'none'; script-src %s; style-src %s; connect-src 'self'; "
                     "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
                     script_hash, style_hash);
    if (n <= 0 || (size_t)n >= sizeof(page_csp)) {
        page_status = BUFFR_EINVAL;
        return;
    }
    /* HTML up to the style's slot, the style, HTML up to the script's slot,
     * the script, the rest of the HTML: exactly the bytes that were hashed. */
    const unsigned char *html = web_guest_table_html;
    size_t html_len = web_guest_table_html_len;
    struct {
        const unsigned char *bytes;
        size_t len;
    } parts[] = {
        {html, style_at},
        {web_guest_table_css, web_guest_table_css_len},
        {html + style_at, script_at - style_at},
        {web_guest_table_js, web_guest_table_js_len},
        {html + script_at, html_len - script_at},
    };
    size_t len = 0;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        len += parts[i].len;
    char *page = malloc(len + 1);
    if (page == NULL)
        return;
    size_t at = 0;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        memcpy(page + at, parts[i].bytes, parts[i].len);
        at += parts[i].len;
    }
    page[at] = '\0';
    page_len = len;
    page_html = page;
    page_status = 0;
}

int qr_page(const char **html, size_t *len, const char **csp)
{
    pthread_once(&page_once, page_build);
    if (page_status != 0)
        return page_status;
    *html = page_html;
    *len = page_len;
    *csp = page_csp;
    return 0;
}
