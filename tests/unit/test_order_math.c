/*
 * test_order_math.c - unit tests for restaurant/order_math.c: rounding half
 * up, tax exclusive and inclusive of the price, per-line rounding, the
 * proportional share of a discount (largest remainder), discount caps and
 * the order totals, with exact expected numbers (see order_math.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdbool.h>

#include "core/error.h"
#include "restaurant/order_math.h"

static void test_div_round_half_up(void **state)
{
    (void)state;
    assert_int_equal(order_math_div_round(5, 2), 3); /* 2.5 -> 3 */
    assert_int_equal(order_math_div_round(4, 2), 2);
    assert_int_equal(order_math_div_round(7, 3), 2); /* 2.33 */
    assert_int_equal(order_math_div_round(8, 3), 3); /* 2.67 */
    assert_int_equal(order_math_div_round(0, 9), 0);
    assert_int_equal(order_math_div_round(1, 2), 1); /* 0.5 -> 1 */
    assert_int_equal(order_math_div_round(1, 3), 0);
    /* No overflow near the bounds: 10^17 / 3. */
    assert_int_equal(order_math_div_round(100000000000000000LL, 3), 33333333333333333LL);
}

static void test_share_bp(void **state)
{
    (void)state;
    assert_int_equal(order_math_share_bp(2300, 1000), 230); /* 10 % */
    assert_int_equal(order_math_share_bp(2345, 1000), 235); /* 234.5 -> 235 */
    assert_int_equal(order_math_share_bp(2344, 1000), 234); /* 234.4 */
    assert_int_equal(order_math_share_bp(999, 10000), 999); /* 100 % */
    assert_int_equal(order_math_share_bp(999, 0), 0);
}

static void test_tax_exclusive(void **state)
{
    (void)state;
    assert_int_equal(order_math_tax_exclusive(1000, 1500), 150);
    assert_int_equal(order_math_tax_exclusive(333, 1500), 50); /* 49.95 */
    assert_int_equal(order_math_tax_exclusive(330, 1500), 50); /* 49.5 exactly: up */
    assert_int_equal(order_math_tax_exclusive(329, 1500), 49); /* 49.35 */
    assert_int_equal(order_math_tax_exclusive(10, 500), 1);    /* 0.5: up */
    assert_int_equal(order_math_tax_exclusive(9, 500), 0);     /* 0.45 */
    assert_int_equal(order_math_tax_exclusive(1234, 0), 0);
    assert_int_equal(order_math_tax_exclusive(1234, 10000), 1234);
}

static void test_tax_inclusive(void **state)
{
    (void)state;
    /* 1000 at 15 % included: 1000 / 1.15 = 869.57 -> 870 without tax, 130 tax. */
    assert_int_equal(order_math_tax_inclusive(1000, 1500), 130);
    assert_int_equal(order_math_tax_inclusive(1150, 1500), 150);
    assert_int_equal(order_math_tax_inclusive(115, 1500), 15);
    assert_int_equal(order_math_tax_inclusive(100, 2000), 17); /* 83.33 -> 83 */
    assert_int_equal(order_math_tax_inclusive(250, 1000), 23); /* 227.27 -> 227 */
    /* 21 at 5 %: 20 exactly without tax. 105 at 10 %: 95.45 -> 95, tax 10. */
    assert_int_equal(order_math_tax_inclusive(21, 500), 1);
    assert_int_equal(order_math_tax_inclusive(105, 1000), 10);
    assert_int_equal(order_math_tax_inclusive(0, 1500), 0);
    assert_int_equal(order_math_tax_inclusive(777, 0), 0);
}

static void test_allocate_proportional(void **state)
{
    (void)state;
    order_math_line_t lines[] = {{1000, 0}, {2000, 0}, {3000, 0}};
    int64_t shares[3];
    assert_int_equal(order_math_allocate(lines, 3, 600, shares), 0);
    assert_int_equal(shares[0], 100);
    assert_int_equal(shares[1], 200);
    assert_int_equal(shares[2], 300);
    assert_int_equal(order_math_allocate(lines, 3, 0, shares), 0);
    assert_int_equal(shares[0] + shares[1] + shares[2], 0);
    assert_int_equal(order_math_allocate(lines, 3, 6000, shares), 0);
    assert_int_equal(shares[2], 3000);
}

static void test_allocate_largest_remainder(void **state)
{
    (void)state;
    /* Equal remainders: the earlier line gets the odd unit. */
    order_math_line_t equal[] = {{100, 0}, {100, 0}, {100, 0}};
    int64_t shares[3];
    assert_int_equal(order_math_allocate(equal, 3, 100, shares), 0);
    assert_int_equal(shares[0], 34);
    assert_int_equal(shares[1], 33);
    assert_int_equal(shares[2], 33);
    assert_int_equal(order_math_allocate(equal, 3, 2, shares), 0);
    assert_int_equal(shares[0], 1);
    assert_int_equal(shares[1], 1);
    assert_int_equal(shares[2], 0);
    /* 10 over 1:2 -> 3.33 and 6.67: the bigger remainder (second) gets it. */
    order_math_line_t uneven[] = {{100, 0}, {200, 0}};
    assert_int_equal(order_math_allocate(uneven, 2, 10, shares), 0);
    assert_int_equal(shares[0], 3);
    assert_int_equal(shares[1], 7);
    /* More than the lines are worth is refused. */
    assert_int_equal(order_math_allocate(uneven, 2, 301, shares), BUFFR_EINVAL);
}

static void test_discount_total(void **state)
{
    (void)state;
    int64_t amounts[] = {300, 400};
    assert_int_equal(order_math_discount(500, amounts, 2, NULL, 0), 500); /* capped */
    assert_int_equal(order_math_discount(1000, amounts, 2, NULL, 0), 700);
    int64_t percents[] = {1000, 500}; /* 10 % and 5 %, each of the subtotal */
    assert_int_equal(order_math_discount(2345, NULL, 0, percents, 2), 235 + 117);
    assert_int_equal(order_math_discount(2345, amounts, 1, percents, 1), 300 + 235);
    assert_int_equal(order_math_discount(0, amounts, 2, percents, 2), 0);
}

static void test_totals_exclusive(void **state)
{
    (void)state;
    /* 2 x (1000 + 150 cheddar) at 15 %, 10 % off, tip 300. */
    order_math_line_t lines[] = {{2300, 1500}};
    order_math_totals_t t;
    assert_int_equal(order_math_compute(lines, 1, 230, 300, false, &t), 0);
    assert_int_equal(t.subtotal, 2300);
    assert_int_equal(t.discount, 230);
    assert_int_equal(t.tax, 311); /* 2070 x 0.15 = 310.5 -> 311 */
    assert_int_equal(t.tip, 300);
    assert_int_equal(t.total, 2070 + 311 + 300);
    assert_int_equal(t.net, 2070);
}

static void test_totals_inclusive(void **state)
{
    (void)state;
    order_math_line_t lines[] = {{1150, 1500}, {1000, 1000}};
    order_math_totals_t t;
    assert_int_equal(order_math_compute(lines, 2, 0, 0, true, &t), 0);
    assert_int_equal(t.subtotal, 2150);
    assert_int_equal(t.tax, 150 + 91); /* 1000 / 1.1 = 909.09 -> 909 */
    assert_int_equal(t.total, 2150);   /* the menu price is what is paid */
    assert_int_equal(t.net, 2150 - 241);
}

static void test_totals_mixed_rates_with_discount(void **state)
{
    (void)state;
    /* 10 % off 4000 = 400, shared 100 / 300; taxes 900 x 20 % + 2700 x 5 %. */
    order_math_line_t lines[] = {{1000, 2000}, {3000, 500}};
    order_math_totals_t t;
    assert_int_equal(order_math_compute(lines, 2, 400, 0, false, &t), 0);
    assert_int_equal(t.discount, 400);
    assert_int_equal(t.tax, 180 + 135);
    assert_int_equal(t.total, 3600 + 315);
    assert_int_equal(order_math_compute(lines, 2, 400, 0, true, &t), 0);
    /* inclusive: 900 -> 750 + 150; 2700 -> 2571.43 -> 2571 + 129 */
    assert_int_equal(t.tax, 150 + 129);
    assert_int_equal(t.total, 3600);
}

/* Each line's part (its discount share, tax and net) adds up to the totals. */
static void test_parts_add_up(void **state)
{
    (void)state;
    order_math_line_t lines[] = {{1000, 2000}, {3000, 500}};
    order_math_part_t parts[2];
    order_math_totals_t t;
    assert_int_equal(order_math_compute_parts(lines, 2, 400, 50, true, &t, parts), 0);
    assert_int_equal(parts[0].discount, 100);
    assert_int_equal(parts[1].discount, 300);
    assert_int_equal(parts[0].tax, 150);
    assert_int_equal(parts[1].tax, 129);
    assert_int_equal(parts[0].net, 900 - 150);
    assert_int_equal(parts[1].net, 2700 - 129);
    assert_int_equal(parts[0].net + parts[1].net, t.net);
    assert_int_equal(parts[0].tax + parts[1].tax, t.tax);
    assert_int_equal(order_math_compute_parts(lines, 2, 400, 0, false, &t, parts), 0);
    assert_int_equal(parts[0].tax, 180);
    assert_int_equal(parts[1].tax, 135);
    assert_int_equal(parts[0].net, 900); /* exclusive: the tax is on top */
    assert_int_equal(parts[1].net, 2700);
    assert_int_equal(parts[0].net + parts[1].net, t.net);
}

static void test_rounding_is_per_line(void **state)
{
    (void)state;
    /* Three lines of 10 at 5 %: 0.5 each rounds up to 1, so 3 (one line of
     * 30 would give 1.5 -> 2). */
    order_math_line_t lines[] = {{10, 500}, {10, 500}, {10, 500}};
    order_math_totals_t t;
    assert_int_equal(order_math_compute(lines, 3, 0, 0, false, &t), 0);
    assert_int_equal(t.tax, 3);
    assert_int_equal(t.total, 33);
}

static void test_discount_capped_and_bad_input(void **state)
{
    (void)state;
    order_math_line_t lines[] = {{500, 1000}};
    order_math_totals_t t;
    assert_int_equal(order_math_compute(lines, 1, 900, 50, false, &t), 0);
    assert_int_equal(t.discount, 500);
    assert_int_equal(t.tax, 0);
    assert_int_equal(t.total, 50); /* only the tip is left */
    assert_int_equal(order_math_compute(NULL, 0, 0, 0, false, &t), 0);
    assert_int_equal(t.total, 0);
    order_math_line_t negative[] = {{-1, 0}};
    assert_int_equal(order_math_compute(negative, 1, 0, 0, false, &t), BUFFR_EINVAL);
    order_math_line_t rate[] = {{100, 10001}};
    assert_int_equal(order_math_compute(rate, 1, 0, 0, false, &t), BUFFR_EINVAL);
    assert_int_equal(order_math_compute(lines, 1, 0, -1, false, &t), BUFFR_EINVAL);
    assert_int_equal(order_math_compute(lines, 1, 0, ORDER_MATH_MAX_TIP + 1, false, &t),
                     BUFFR_EINVAL);
}

static void test_largest_amounts_fit(void **state)
{
    (void)state;
    /* 500 lines at the price and quantity bounds, 100 % tax, 99 % off. */
    static order_math_line_t lines[ORDER_MATH_MAX_LINES];
    int64_t gross = ORDER_MATH_MAX_PRICE * ORDER_MATH_MAX_QUANTITY;
    for (size_t i = 0; i < ORDER_MATH_MAX_LINES; i++)
        lines[i] = (order_math_line_t){gross, 10000};
    int64_t subtotal = gross * ORDER_MATH_MAX_LINES;
    int64_t discount = order_math_share_bp(subtotal, 9900);
    order_math_totals_t t;
    assert_int_equal(order_math_compute(lines, ORDER_MATH_MAX_LINES, discount, 0, false, &t), 0);
    assert_int_equal(t.subtotal, subtotal);
    assert_int_equal(t.discount, discount);
    assert_int_equal(t.tax, subtotal - discount);
    assert_int_equal(t.total, 2 * (subtotal - discount));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_div_round_half_up),
        cmocka_unit_test(test_share_bp),
        cmocka_unit_test(test_tax_exclusive),
        cmocka_unit_test(test_tax_inclusive),
        cmocka_unit_test(test_allocate_proportional),
        cmocka_unit_test(test_allocate_largest_remainder),
        cmocka_unit_test(test_discount_total),
        cmocka_unit_test(test_totals_exclusive),
        cmocka_unit_test(test_totals_inclusive),
        cmocka_unit_test(test_totals_mixed_rates_with_discount),
        cmocka_unit_test(test_parts_add_up),
        cmocka_unit_test(test_rounding_is_per_line),
        cmocka_unit_test(test_discount_capped_and_bad_input),
        cmocka_unit_test(test_largest_amounts_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
