/*
 * order_math.c - order arithmetic (see order_math.h for the rules). The
 * proportional discount share multiplies two amounts, so it is done in
 * 128 bits; everything else stays inside 64 bits by the header's bounds.
 */
#include "restaurant/order_math.h"

#include <stdlib.h>

#include "core/error.h"

__extension__ typedef __int128 order_math_wide_t;

int64_t order_math_div_round(int64_t num, int64_t den)
{
    /* (2 num + den) / (2 den): exact half goes up. */
    return (int64_t)(((order_math_wide_t)num * 2 + den) / ((order_math_wide_t)den * 2));
}

int64_t order_math_share_bp(int64_t amount, int64_t bp)
{
    return order_math_div_round(amount * bp, 10000);
}

int64_t order_math_tax_exclusive(int64_t net, int64_t rate_bp)
{
    return order_math_div_round(net * rate_bp, 10000);
}

int64_t order_math_tax_inclusive(int64_t gross, int64_t rate_bp)
{
    /* The part without tax is rounded, the tax is the rest: so net + tax is
     * exactly the price the guest saw. */
    return gross - order_math_div_round(gross * 10000, 10000 + rate_bp);
}

int order_math_allocate(const order_math_line_t *lines, size_t n, int64_t discount, int64_t *shares)
{
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (lines[i].gross < 0)
            return BUFFR_EINVAL;
        total += lines[i].gross;
    }
    if (discount < 0 || discount > total)
        return BUFFR_EINVAL;
    if (discount == 0 || total == 0) {
        for (size_t i = 0; i < n; i++)
            shares[i] = 0;
        return 0;
    }
    int64_t given = 0;
    for (size_t i = 0; i < n; i++) {
        shares[i] = (int64_t)((order_math_wide_t)discount * lines[i].gross / total);
        given += shares[i];
    }
    /* Fewer than n units are left: one each to the lines with the largest
     * remainders, the earlier line first on a tie. */
    int64_t left = discount - given;
    unsigned char *taken = calloc(n ? n : 1, 1);
    if (taken == NULL)
        return BUFFR_ENOMEM;
    while (left > 0) {
        size_t best = n;
        order_math_wide_t best_rem = -1;
        for (size_t i = 0; i < n; i++) {
            if (taken[i])
                continue;
            order_math_wide_t rem = (order_math_wide_t)discount * lines[i].gross % total;
            if (rem > best_rem) {
                best_rem = rem;
                best = i;
            }
        }
        if (best == n)
            break; /* NEVER: left < n always */
        taken[best] = 1;
        shares[best]++;
        left--;
    }
    free(taken);
    return 0;
}

int64_t order_math_discount(int64_t subtotal, const int64_t *amounts, size_t n_amounts,
                            const int64_t *percents_bp, size_t n_percents)
{
    int64_t discount = 0;
    for (size_t i = 0; i < n_amounts && discount < subtotal; i++)
        discount += amounts[i];
    for (size_t i = 0; i < n_percents && discount < subtotal; i++)
        discount += order_math_share_bp(subtotal, percents_bp[i]);
    return discount < subtotal ? discount : subtotal;
}

int order_math_compute(const order_math_line_t *lines, size_t n, int64_t discount, int64_t tip,
                       bool tax_inclusive, order_math_totals_t *out)
{
    return order_math_compute_parts(lines, n, discount, tip, tax_inclusive, out, NULL);
}

int order_math_compute_parts(const order_math_line_t *lines, size_t n, int64_t discount,
                             int64_t tip, bool tax_inclusive, order_math_totals_t *out,
                             order_math_part_t *parts)
{
    if (n > ORDER_MATH_MAX_LINES || tip < 0 || tip > ORDER_MATH_MAX_TIP || discount < 0)
        return BUFFR_EINVAL;
    int64_t subtotal = 0;
    for (size_t i = 0; i < n; i++) {
        if (lines[i].gross < 0 ||
            lines[i].gross > ORDER_MATH_MAX_PRICE * 2 * ORDER_MATH_MAX_QUANTITY ||
            lines[i].tax_rate_bp < 0 || lines[i].tax_rate_bp > ORDER_MATH_MAX_RATE_BP)
            return BUFFR_EINVAL;
        subtotal += lines[i].gross;
    }
    if (discount > subtotal)
        discount = subtotal;
    int64_t *shares = malloc((n ? n : 1) * sizeof(*shares));
    if (shares == NULL)
        return BUFFR_ENOMEM;
    int rc = order_math_allocate(lines, n, discount, shares);
    if (rc != 0) {
        free(shares);
        return rc;
    }
    int64_t tax = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t net = lines[i].gross - shares[i];
        int64_t line_tax = tax_inclusive ? order_math_tax_inclusive(net, lines[i].tax_rate_bp)
                                         : order_math_tax_exclusive(net, lines[i].tax_rate_bp);
        tax += line_tax;
        if (parts != NULL)
            parts[i] = (order_math_part_t){.discount = shares[i],
                                           .tax = line_tax,
                                           .net = net - (tax_inclusive ? line_tax : 0)};
    }
    free(shares);
    out->subtotal = subtotal;
    out->discount = discount;
    out->tax = tax;
    out->tip = tip;
    out->net = subtotal - discount - (tax_inclusive ? tax : 0);
    out->total = subtotal - discount + (tax_inclusive ? 0 : tax) + tip;
    return 0;
}
