/*
 * currency.h - ISO 4217 currency codes, read from Debian's iso-codes data
 * (/usr/share/iso-codes/json/iso_4217.json) once, on first use.
 */
#ifndef BUFFR_CORE_CURRENCY_H
#define BUFFR_CORE_CURRENCY_H

#include <stdbool.h>

/* True when code is a current ISO 4217 alphabetic code ("EUR", "NAD"). */
bool currency_is_valid(const char *code);

#endif
