/*
 * table_token.c - the signed token a table's QR code carries, so that a
 * guest without an account can order for that table and no other.
 *
 * Layout, base64url without padding: a format byte (1), the tenant,
 * property and table ids (16 bytes each), the table's token version (4
 * bytes, big-endian), then the first 16 bytes of HMAC-SHA-256 over all of
 * that. The HMAC key is derived from the server's JWT key with BLAKE2b and
 * a label, so a table token can never pass for a JWT (nor the reverse).
 * Revoking = bumping the table's token version (checked against the
 * database by the caller), so the token itself holds no secret.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "restaurant/restaurant_internal.h"

#define TOKEN_FORMAT      1
#define TOKEN_MAC_LEN     16
#define TOKEN_PAYLOAD_LEN (1 + 16 * 3 + 4)
#define TOKEN_RAW_LEN     (TOKEN_PAYLOAD_LEN + TOKEN_MAC_LEN)

static const char token_label[] = "buffr table token v1";

static int token_key(const unsigned char *key, size_t key_len,
                     unsigned char out[crypto_auth_hmacsha256_KEYBYTES])
{
    if (key_len < crypto_generichash_KEYBYTES_MIN || key_len > crypto_generichash_KEYBYTES_MAX)
        return BUFFR_EINVAL;
    return crypto_generichash(out, crypto_auth_hmacsha256_KEYBYTES,
                              (const unsigned char *)token_label, sizeof(token_label) - 1, key,
                              key_len) == 0
               ? 0
               : BUFFR_EINTERNAL;
}

static void token_mac(const unsigned char subkey[crypto_auth_hmacsha256_KEYBYTES],
                      const unsigned char *payload, unsigned char mac[TOKEN_MAC_LEN])
{
    unsigned char full[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(full, payload, TOKEN_PAYLOAD_LEN, subkey);
    memcpy(mac, full, TOKEN_MAC_LEN);
}

static int uuid_to_bytes(const char *id, unsigned char out[16])
{
    char norm[UUID_BUF_SIZE], hex[33];
    if (uuid_normalize(id, norm) != 0)
        return BUFFR_EINVAL;
    size_t n = 0;
    for (const char *p = norm; *p; p++)
        if (*p != '-')
            hex[n++] = *p;
    hex[n] = '\0';
    size_t got = 0;
    if (sodium_hex2bin(out, 16, hex, n, NULL, &got, NULL) != 0 || got != 16)
        return BUFFR_EINVAL;
    return 0;
}

static void uuid_from_bytes(const unsigned char in[16], char out[UUID_BUF_SIZE])
{
    char hex[33];
    sodium_bin2hex(hex, sizeof(hex), in, 16);
    snprintf(out, UUID_BUF_SIZE, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16,
             hex + 20);
}

int table_token_make(const unsigned char *key, size_t key_len, const char *tenant_id,
                     const char *property_id, const char *table_id, int64_t token_version,
                     char out[TABLE_TOKEN_MAX])
{
    unsigned char raw[TOKEN_RAW_LEN], subkey[crypto_auth_hmacsha256_KEYBYTES];
    if (token_version < 1 || token_version > UINT32_MAX)
        return BUFFR_EINVAL;
    raw[0] = TOKEN_FORMAT;
    if (uuid_to_bytes(tenant_id, raw + 1) != 0 || uuid_to_bytes(property_id, raw + 17) != 0 ||
        uuid_to_bytes(table_id, raw + 33) != 0)
        return BUFFR_EINVAL;
    uint32_t v = (uint32_t)token_version;
    raw[49] = (unsigned char)(v >> 24);
    raw[50] = (unsigned char)(v >> 16);
    raw[51] = (unsigned char)(v >> 8);
    raw[52] = (unsigned char)v;
    int rc = token_key(key, key_len, subkey);
    if (rc != 0)
        return rc;
    token_mac(subkey, raw, raw + TOKEN_PAYLOAD_LEN);
    sodium_memzero(subkey, sizeof(subkey));
    sodium_bin2base64(out, TABLE_TOKEN_MAX, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return 0;
}

int table_token_parse(const unsigned char *key, size_t key_len, const char *token,
                      char tenant_id[UUID_BUF_SIZE], char property_id[UUID_BUF_SIZE],
                      char table_id[UUID_BUF_SIZE], int64_t *token_version)
{
    unsigned char raw[TOKEN_RAW_LEN + 1], subkey[crypto_auth_hmacsha256_KEYBYTES];
    unsigned char mac[TOKEN_MAC_LEN];
    size_t len = 0;
    if (token == NULL || strlen(token) >= TABLE_TOKEN_MAX ||
        sodium_base642bin(raw, sizeof(raw), token, strlen(token), NULL, &len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        len != TOKEN_RAW_LEN || raw[0] != TOKEN_FORMAT)
        return BUFFR_EUNAUTH;
    int rc = token_key(key, key_len, subkey);
    if (rc != 0)
        return rc;
    token_mac(subkey, raw, mac);
    sodium_memzero(subkey, sizeof(subkey));
    if (crypto_verify_16(mac, raw + TOKEN_PAYLOAD_LEN) != 0)
        return BUFFR_EUNAUTH;
    uuid_from_bytes(raw + 1, tenant_id);
    uuid_from_bytes(raw + 17, property_id);
    uuid_from_bytes(raw + 33, table_id);
    *token_version = (int64_t)((uint32_t)raw[49] << 24 | (uint32_t)raw[50] << 16 |
                               (uint32_t)raw[51] << 8 | raw[52]);
    return 0;
}
