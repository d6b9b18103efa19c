/*
 * fuzz_json_body.c - libFuzzer target for request bodies: bytes are parsed
 * the way the server parses a JSON body, and every object goes through the
 * body validators of the modules (properties, users, the jsonx getters).
 * Any crash, leak or undefined behaviour is a finding; a validator may accept
 * or refuse, but must always leave a message when it refuses.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "identity/identity.h"
#include "properties/properties.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_refusal(int rc, const buffr_err_t *e)
{
    if (rc != 0 && (e->code != rc || e->message[0] == '\0'))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (body == NULL)
        return 0;
    if (!json_is_object(body)) {
        json_decref(body);
        return 0;
    }
    buffr_err_t e;
    property_input_t in;
    memset(&e, 0, sizeof(e));
    check_refusal(property_input_parse(body, true, &in, &e), &e);
    memset(&e, 0, sizeof(e));
    check_refusal(property_input_parse(body, false, &in, &e), &e);

    uint32_t services;
    bool present;
    memset(&e, 0, sizeof(e));
    check_refusal(identity_parse_permissions(body, &services, &present, &e), &e);

    const char *email = NULL;
    memset(&e, 0, sizeof(e));
    int rc = jsonx_string(body, "email", true, 3, 254, &email, NULL, &e);
    check_refusal(rc, &e);
    if (rc == 0) {
        char normalised[256];
        memset(&e, 0, sizeof(e));
        check_refusal(identity_validate_email(email, normalised, sizeof(normalised), &e), &e);
    }
    int64_t n;
    bool b;
    memset(&e, 0, sizeof(e));
    check_refusal(jsonx_int(body, "position", false, 0, 1000000, &n, NULL, &e), &e);
    memset(&e, 0, sizeof(e));
    check_refusal(jsonx_bool(body, "disabled", false, &b, NULL, &e), &e);
    char *dump = jsonx_dump(body);
    free(dump);
    json_decref(body);
    return 0;
}
