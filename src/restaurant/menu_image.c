/*
 * menu_image.c - one picture per menu item, PNG or JPEG up to 2 MiB,
 * kept as a file <data_dir>/images/<tenant>/<item>.<png|jpeg> (written to a
 * temporary name, then renamed, so a reader never sees half a file). The
 * database only records which type the item has.
 */
#include "restaurant/restaurant.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/uuid.h"
#include "restaurant/restaurant_internal.h"

static const unsigned char png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
static const unsigned char jpeg_magic[3] = {0xff, 0xd8, 0xff};

typedef struct image_work {
    const char *pid, *iid, *type;
    char old_type[8];
    json_t *result;
} image_work_t;

static int image_path(app_t *app, const char *tenant, const char *iid, const char *type, char *out,
                      size_t size)
{
    int n = snprintf(out, size, "%s/images/%s/%s.%s", app->config.data_dir, tenant, iid, type);
    return n > 0 && (size_t)n < size ? 0 : BUFFR_EINVAL;
}

static int image_mkdirs(app_t *app, const char *tenant)
{
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/images", app->config.data_dir);
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        return BUFFR_EIO;
    snprintf(dir, sizeof(dir), "%s/images/%s", app->config.data_dir, tenant);
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        return BUFFR_EIO;
    return 0;
}

static int image_set_in_tx(db_tx_t *tx, void *ctx)
{
    image_work_t *w = ctx;
    db_rows_t *rows;
    int rc = restaurant_first_row(tx,
                                  "SELECT image_type FROM menu_items WHERE tenant_id = $1 AND "
                                  "property_id = $2 AND id = $3",
                                  DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->iid)), &rows);
    if (rc != 0)
        return rc;
    snprintf(w->old_type, sizeof(w->old_type), "%s", db_text(rows, 0) ? db_text(rows, 0) : "");
    db_rows_free(rows);
    if (w->type == NULL) /* only reading */
        return 0;
    return db_exec(tx,
                   "UPDATE menu_items SET image_type = $4, updated_at = $5, version = version + 1 "
                   "WHERE tenant_id = $1 AND property_id = $2 AND id = $3",
                   DB_ARGS(DB_TEXT(w->pid), DB_TEXT(w->iid), DB_TEXT(w->type), DB_INT(time_now())),
                   NULL);
}

int menu_item_image_put(app_t *app, const principal_t *who, const char *pid, const char *iid,
                        const char *content_type, const void *data, size_t len, json_t **out,
                        buffr_err_t *e)
{
    const char *type = NULL;
    if (content_type && strncasecmp(content_type, "image/png", 9) == 0)
        type = "png";
    else if (content_type && strncasecmp(content_type, "image/jpeg", 10) == 0)
        type = "jpeg";
    if (type == NULL)
        return buffr_fail(e, BUFFR_EMEDIA, NULL, "Content-Type must be image/png or image/jpeg");
    if (len > MENU_IMAGE_MAX_BYTES)
        return buffr_fail(e, BUFFR_ETOOLARGE, NULL, "an image may be at most 2 MiB");
    bool magic_ok =
        strcmp(type, "png") == 0
            ? len >= sizeof(png_magic) && memcmp(data, png_magic, sizeof(png_magic)) == 0
            : len >= sizeof(jpeg_magic) && memcmp(data, jpeg_magic, sizeof(jpeg_magic)) == 0;
    if (!magic_ok)
        return buffr_fail(e, BUFFR_EVALIDATION, NULL, "the body is not a %s image",
                          strcmp(type, "png") == 0 ? "PNG" : "JPEG");
    /* The item must exist in this tenant before anything touches the disk. */
    image_work_t check = {.pid = pid, .iid = iid};
    int rc = db_transact(app->db, who->tenant_id, DB_READ, image_set_in_tx, &check);
    if (rc != 0)
        return restaurant_done(rc, NULL, out, e, "menu item");

    char path[1200], tmp[1300];
    if ((rc = image_mkdirs(app, who->tenant_id)) != 0 ||
        (rc = image_path(app, who->tenant_id, iid, type, path, sizeof(path))) != 0)
        return buffr_fail(e, rc, NULL, "could not store the image");
    char nonce[UUID_BUF_SIZE];
    uuid_v7_new(nonce);
    snprintf(tmp, sizeof(tmp), "%s.%s.tmp", path, nonce);
    FILE *f = fopen(tmp, "wb");
    if (f == NULL)
        return buffr_fail(e, BUFFR_EIO, NULL, "could not store the image");
    bool ok = fwrite(data, 1, len, f) == len;
    ok = fflush(f) == 0 && ok;
    ok = fsync(fileno(f)) == 0 && ok;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return buffr_fail(e, BUFFR_EIO, NULL, "could not store the image");
    }
    image_work_t w = {.pid = pid, .iid = iid, .type = type};
    rc = db_transact(app->db, who->tenant_id, DB_WRITE, image_set_in_tx, &w);
    if (rc != 0)
        return restaurant_done(rc, NULL, out, e, "menu item");
    /* A picture of the other type is now stale. */
    if (w.old_type[0] && strcmp(w.old_type, type) != 0 &&
        image_path(app, who->tenant_id, iid, w.old_type, path, sizeof(path)) == 0)
        unlink(path);
    return menu_item_get(app, who, pid, iid, out, e);
}

int menu_item_image_get(app_t *app, const principal_t *who, const char *pid, const char *iid,
                        char **data, size_t *len, const char **content_type, buffr_err_t *e)
{
    *data = NULL;
    image_work_t w = {.pid = pid, .iid = iid};
    int rc = db_transact(app->db, who->tenant_id, DB_READ, image_set_in_tx, &w);
    json_t *none = NULL;
    if (rc != 0)
        return restaurant_done(rc, NULL, &none, e, "menu item");
    if (w.old_type[0] == '\0')
        return buffr_fail(e, BUFFR_ENOTFOUND, NULL, "this item has no image");
    char path[1200];
    if (image_path(app, who->tenant_id, iid, w.old_type, path, sizeof(path)) != 0)
        return buffr_fail(e, BUFFR_ENOTFOUND, NULL, "this item has no image");
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return buffr_fail(e, BUFFR_ENOTFOUND, NULL, "this item has no image");
    /* Allocate what the file holds, not the largest image allowed. */
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size <= 0 || st.st_size > MENU_IMAGE_MAX_BYTES) {
        fclose(f);
        return buffr_fail(e, BUFFR_EIO, NULL, "the stored image is damaged");
    }
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size);
    if (buf == NULL) {
        fclose(f);
        return buffr_fail(e, BUFFR_ENOMEM, NULL, "out of memory");
    }
    size_t n = fread(buf, 1, size, f);
    fclose(f);
    if (n != size) {
        free(buf);
        return buffr_fail(e, BUFFR_EIO, NULL, "the stored image is damaged");
    }
    *data = buf;
    *len = n;
    *content_type = strcmp(w.old_type, "png") == 0 ? "image/png" : "image/jpeg";
    return 0;
}
