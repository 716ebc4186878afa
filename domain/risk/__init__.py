"""Pure risk logic: feature computation over an event log, rules, operator wording, promotion gate."""
