"""Small Python clients for the order system, the live platform and operators."""
