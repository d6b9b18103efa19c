/*
 * demo.h - the demo tenant of the quick start: a hotel business with an
 * owner login, created once on an empty database when demo data is on.
 */
#ifndef BUFFR_DEMO_H
#define BUFFR_DEMO_H

#include "app.h"

#define DEMO_OWNER_EMAIL "owner@demo.buffr.host"

/* Create the demo tenant, owner and a property unless an account with the
 * demo email exists. Prints the owner's login on stdout. The generated
 * password is kept in DATA_DIR/demo-owner.txt (mode 0600) so that later
 * starts can print it again. */
int demo_ensure(app_t *app);

#endif
