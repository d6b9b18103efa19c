/* currency.c - the ISO 4217 list from iso-codes, loaded once. */
#include "core/currency.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#ifndef ISO_4217_PATH
#define ISO_4217_PATH "/usr/share/iso-codes/json/iso_4217.json"
#endif

static pthread_once_t currency_once = PTHREAD_ONCE_INIT;
static char (*currency_codes)[4];
static size_t currency_count;

static int code_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void currency_load(void)
{
    json_error_t err;
    json_t *root = json_load_file(ISO_4217_PATH, 0, &err);
    json_t *list = json_object_get(root, "4217");
    if (!json_is_array(list)) {
        log_error("cannot read ISO 4217 codes from %s (install Debian's iso-codes): %s",
                  ISO_4217_PATH, err.text);
        json_decref(root);
        return;
    }
    currency_codes = calloc(json_array_size(list), sizeof(*currency_codes));
    if (currency_codes == NULL) {
        json_decref(root);
        return;
    }
    size_t i;
    json_t *entry;
    json_array_foreach(list, i, entry)
    {
        const char *code = json_string_value(json_object_get(entry, "alpha_3"));
        if (code != NULL && strlen(code) == 3)
            memcpy(currency_codes[currency_count++], code, 4);
    }
    qsort(currency_codes, currency_count, sizeof(*currency_codes), code_cmp);
    json_decref(root);
}

bool currency_is_valid(const char *code)
{
    pthread_once(&currency_once, currency_load);
    if (code == NULL || strlen(code) != 3 || currency_count == 0)
        return false;
    return bsearch(code, currency_codes, currency_count, sizeof(*currency_codes), code_cmp) != NULL;
}
