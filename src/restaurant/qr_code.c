/*
 * qr_code.c - a QR code of a text (a table's ordering link) drawn as SVG
 * or PNG: libqrencode makes the modules, this file draws them with a
 * four-module quiet zone. Not here: what the text says (tables.c).
 */
#include <png.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "restaurant/restaurant_internal.h"

#define QR_QUIET 4 /* modules of white border, as the standard asks */
#define QR_SCALE 8 /* PNG pixels per module */

static QRcode *qr_encode(const char *text)
{
    return QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
}

static bool qr_dark(const QRcode *qr, int x, int y)
{
    return qr->data[y * qr->width + x] & 1;
}

int qr_code_svg(const char *text, char **out, size_t *len)
{
    *out = NULL;
    QRcode *qr = qr_encode(text);
    if (qr == NULL)
        return BUFFR_ENOMEM;
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (f == NULL) {
        QRcode_free(qr);
        return BUFFR_ENOMEM;
    }
    int side = qr->width + 2 * QR_QUIET;
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
            "height=\"%d\" shape-rendering=\"crispEdges\">\n<title>",
            side, side, side * QR_SCALE, side * QR_SCALE);
    for (const char *p = text; *p; p++) {
        if (*p == '&')
            fputs("&amp;", f);
        else if (*p == '<')
            fputs("&lt;", f);
        else if (*p == '>')
            fputs("&gt;", f);
        else
            fputc(*p, f);
    }
    fprintf(f,
            "</title>\n<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n<path fill=\"#000\" d=\"",
            side, side);
    /* One path, a run of dark modules per segment. */
    for (int y = 0; y < qr->width; y++) {
        for (int x = 0; x < qr->width;) {
            if (!qr_dark(qr, x, y)) {
                x++;
                continue;
            }
            int run = 1;
            while (x + run < qr->width && qr_dark(qr, x + run, y))
                run++;
            fprintf(f, "M%d %dh%dv1h-%dz", x + QR_QUIET, y + QR_QUIET, run, run);
            x += run;
        }
    }
    fputs("\"/>\n</svg>\n", f);
    QRcode_free(qr);
    if (fclose(f) != 0 || buf == NULL) {
        free(buf);
        return BUFFR_ENOMEM;
    }
    *out = buf;
    *len = size;
    return 0;
}

typedef struct qr_png_buffer {
    unsigned char *data;
    size_t len, cap;
    bool failed;
} qr_png_buffer_t;

static void qr_png_write(png_structp png, png_bytep data, png_size_t n)
{
    qr_png_buffer_t *b = png_get_io_ptr(png);
    if (b->failed)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *grown = realloc(b->data, cap);
        if (grown == NULL) {
            b->failed = true;
            return;
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
}

static void qr_png_flush(png_structp png)
{
    (void)png;
}

/* The libpng part, apart so that nothing local changes after setjmp. */
static int qr_png_draw(const QRcode *qr, unsigned char *row, qr_png_buffer_t *b)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    if (png == NULL)
        return BUFFR_ENOMEM;
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        return BUFFR_ENOMEM;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return BUFFR_EINTERNAL;
    }
    int side = (qr->width + 2 * QR_QUIET) * QR_SCALE;
    png_set_write_fn(png, b, qr_png_write, qr_png_flush);
    png_set_IHDR(png, info, (png_uint_32)side, (png_uint_32)side, 1, PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    size_t row_bytes = ((size_t)side + 7) / 8;
    for (int py = 0; py < side; py++) {
        memset(row, 0xff, row_bytes); /* 1 = white in 1-bit gray */
        int my = py / QR_SCALE - QR_QUIET;
        for (int px = 0; px < side && my >= 0 && my < qr->width; px++) {
            int mx = px / QR_SCALE - QR_QUIET;
            if (mx >= 0 && mx < qr->width && qr_dark(qr, mx, my))
                row[px / 8] &= (unsigned char)~(0x80 >> (px % 8));
        }
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return b->failed ? BUFFR_ENOMEM : 0;
}

int qr_code_png(const char *text, unsigned char **out, size_t *len)
{
    *out = NULL;
    QRcode *qr = qr_encode(text);
    if (qr == NULL)
        return BUFFR_ENOMEM;
    size_t side = (size_t)(qr->width + 2 * QR_QUIET) * QR_SCALE;
    unsigned char *row = malloc((side + 7) / 8);
    qr_png_buffer_t b = {0};
    int rc = row ? qr_png_draw(qr, row, &b) : BUFFR_ENOMEM;
    free(row);
    QRcode_free(qr);
    if (rc != 0) {
        free(b.data);
        return rc;
    }
    *out = b.data;
    *len = b.len;
    return 0;
}
