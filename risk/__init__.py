"""Risk scoring of devices and IPs before every grant."""
