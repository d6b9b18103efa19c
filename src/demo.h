/*
 * demo.h - the demo tenant of the quick start: a resort with an owner
 * login and things to try, created once on an empty database when demo data
 * is on.
 */
#ifndef BUFFR_DEMO_H
#define BUFFR_DEMO_H

#include "app.h"

#define DEMO_OWNER_EMAIL "owner@demo.buffr.host"

/* Create the demo tenant, owner and a property unless an account with the
 * demo email exists. Prints the owner's login on stdout. The generated
 * password is kept in DATA_DIR/demo-owner.txt (mode 0600) so that later
 * starts can print it again.
 *
 * The start that creates the owner also fills the property (in its own
 * time zone, relative to its today): two room types with weekend and
 * December rates, six rooms, a cancellation policy and three stays (one
 * arriving today); a spa therapist, treatment room and two treatments; a
 * meeting room with layouts and add-ons; airport shuttle departures on the
 * next three days; a restaurant menu with stations, allergens, a modifier
 * group, VAT and two tables. A part that fails is logged as a warning and
 * skipped; it never fails the start. Later starts add nothing. */
int demo_ensure(app_t *app);

#endif
