/* demo.c - the quick start's demo tenant and its owner login. */
#include "demo.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "identity/identity.h"
#include "properties/properties.h"

static int demo_password_path(const app_t *app, char *path, size_t len)
{
    int n = snprintf(path, len, "%s/demo-owner.txt", app->config.data_dir);
    return n > 0 && (size_t)n < len ? 0 : BUFFR_EINVAL;
}

static int demo_password_load(const app_t *app, char *password, size_t len)
{
    char path[600];
    if (demo_password_path(app, path, sizeof(path)) != 0)
        return BUFFR_EINVAL;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return BUFFR_ENOTFOUND;
    char *line = fgets(password, (int)len, f);
    fclose(f);
    if (line == NULL)
        return BUFFR_EIO;
    password[strcspn(password, "\r\n")] = '\0';
    return 0;
}

static int demo_password_store(const app_t *app, const char *password)
{
    char path[600];
    if (demo_password_path(app, path, sizeof(path)) != 0)
        return BUFFR_EINVAL;
    mkdir(app->config.data_dir, 0750);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        log_warn("cannot keep the demo password in %s: %s", path, strerror(errno));
        return BUFFR_EIO;
    }
    size_t n = strlen(password);
    ssize_t w = write(fd, password, n);
    w += write(fd, "\n", 1);
    close(fd);
    return w == (ssize_t)n + 1 ? 0 : BUFFR_EIO;
}

int demo_ensure(app_t *app)
{
    /* The password kept from an earlier start, or a new one: 24 random
     * characters from an unambiguous alphabet, strong and typeable. Either
     * way the owner is created when this database does not have it yet (a
     * new database beside an old password file gets the same login). */
    char password[64];
    bool kept = demo_password_load(app, password, sizeof(password)) == 0;
    if (!kept) {
        static const char alphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        for (int i = 0; i < 24; i++)
            password[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
        password[24] = '\0';
    }

    char tenant_id[UUID_BUF_SIZE], user_id[UUID_BUF_SIZE];
    buffr_err_t e = {0};
    int rc = identity_create_tenant_owner(app, "Demo Hotel Group", DEMO_OWNER_EMAIL, password,
                                          "Demo Owner", tenant_id, user_id, &e);
    if (rc == BUFFR_ECONFLICT) {
        if (kept)
            printf("demo owner: %s / %s\n", DEMO_OWNER_EMAIL, password);
        else
            printf("demo owner: %s (password shown at its first start)\n", DEMO_OWNER_EMAIL);
        fflush(stdout);
        sodium_memzero(password, sizeof(password));
        return 0;
    }
    if (rc != 0) {
        log_error("cannot create the demo tenant: %s", e.message);
        return rc;
    }
    principal_t owner = {.role = ROLE_OWNER, .services = SERVICE_ALL};
    memcpy(owner.tenant_id, tenant_id, sizeof(owner.tenant_id));
    memcpy(owner.user_id, user_id, sizeof(owner.user_id));
    json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "name", "Seaside Demo Hotel", "type", "resort",
                             "timezone", "Africa/Windhoek", "currency", "NAD");
    json_t *property = NULL;
    if (body != NULL)
        property_create(app, &owner, body, &property, &e);
    json_decref(body);
    json_decref(property);
    if (!kept)
        demo_password_store(app, password);
    printf("demo owner: %s / %s\n", DEMO_OWNER_EMAIL, password);
    fflush(stdout);
    sodium_memzero(password, sizeof(password));
    return 0;
}
