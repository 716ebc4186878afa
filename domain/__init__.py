"""Pure domain logic with no I/O: earning rules, order checks, money."""
