"""Pure coupon rules: template checks, validity windows, discounts, best combinations (no I/O)."""
