/*
 * order_math.h - the money arithmetic of an order: line amounts, order
 * discounts, taxes inclusive or exclusive of the menu price, and rounding.
 * Pure functions on integers in minor units; no database, no JSON, so the
 * unit tests (tests/unit/test_order_math.c) pin every rule.
 *
 * The rules (also in docs/modules/restaurant.md):
 *   - a line's gross is (item price + the price_delta of each chosen option)
 *     x quantity;
 *   - subtotal = the sum of the gross of the lines that are not voided;
 *   - discounts: a percent discount is that share of the subtotal, rounded
 *     half up; amount discounts add up; the total discount is capped at the
 *     subtotal. It is shared out over the lines in proportion to their gross
 *     (largest remainder, ties to the earlier line), so each line's tax is
 *     computed on what the guest really pays for it;
 *   - tax is rounded half up PER LINE (after that line's share of the
 *     discount), at the line's rate in basis points (1500 = 15 %):
 *       exclusive: tax = net x rate / 10000,
 *       inclusive: tax = net - net x 10000 / (10000 + rate)
 *     (the tax contained in a tax-inclusive price);
 *   - total = subtotal - discount + (exclusive ? tax : 0) + tip.
 * All amounts are non-negative; "half up" means x.5 goes to x+1.
 */
#ifndef BUFFR_RESTAURANT_ORDER_MATH_H
#define BUFFR_RESTAURANT_ORDER_MATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds that keep every product well inside 64 bits. */
#define ORDER_MATH_MAX_PRICE    100000000LL /* one unit price or option delta */
#define ORDER_MATH_MAX_QUANTITY 999
#define ORDER_MATH_MAX_LINES    500
#define ORDER_MATH_MAX_RATE_BP  10000 /* 100 % */
#define ORDER_MATH_MAX_TIP      100000000LL

typedef struct order_math_line {
    int64_t gross;       /* unit price x quantity, >= 0 */
    int64_t tax_rate_bp; /* 0..10000 */
} order_math_line_t;

typedef struct order_math_totals {
    int64_t subtotal; /* sum of line gross */
    int64_t discount; /* applied discount (capped at subtotal) */
    int64_t tax;      /* sum of the per-line rounded tax */
    int64_t tip;
    int64_t total; /* what the guest pays */
    int64_t net;   /* sales without tax, after discount */
} order_math_totals_t;

/* num / den rounded half up; num >= 0, den > 0. */
int64_t order_math_div_round(int64_t num, int64_t den);
/* bp basis points of amount, rounded half up (percent discounts: 10 % = 1000). */
int64_t order_math_share_bp(int64_t amount, int64_t bp);
/* Tax on a tax-exclusive amount. */
int64_t order_math_tax_exclusive(int64_t net, int64_t rate_bp);
/* Tax contained in a tax-inclusive amount. */
int64_t order_math_tax_inclusive(int64_t gross, int64_t rate_bp);

/* Share discount (0..sum of gross) over the lines in proportion to their
 * gross, by largest remainder; shares[i] receives line i's part and the
 * shares add up to discount exactly. Returns 0 or BUFFR_EINVAL. */
int order_math_allocate(const order_math_line_t *lines, size_t n, int64_t discount,
                        int64_t *shares);

/* The totals of an order, given its total discount (order_math_discount;
 * capped here at the subtotal again). Returns 0, BUFFR_EINVAL for
 * out-of-range input or BUFFR_ENOMEM. */
int order_math_compute(const order_math_line_t *lines, size_t n, int64_t discount, int64_t tip,
                       bool tax_inclusive, order_math_totals_t *out);

/* What one line comes to inside its order's totals. */
typedef struct order_math_part {
    int64_t discount; /* its share of the order's discount */
    int64_t tax;      /* its rounded tax */
    int64_t net;      /* gross - discount - the tax it contains (inclusive) */
} order_math_part_t;

/* order_math_compute, also giving each line's part in parts[0..n) (the
 * parts add up to the totals exactly). */
int order_math_compute_parts(const order_math_line_t *lines, size_t n, int64_t discount,
                             int64_t tip, bool tax_inclusive, order_math_totals_t *out,
                             order_math_part_t *parts);

/* The total discount of an order from its discounts: amounts[] in minor
 * units and percents_bp[] in basis points, capped at subtotal. */
int64_t order_math_discount(int64_t subtotal, const int64_t *amounts, size_t n_amounts,
                            const int64_t *percents_bp, size_t n_percents);

#endif
