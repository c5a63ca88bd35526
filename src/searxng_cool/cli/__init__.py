"""The command line: parse, call a service, present. No SQL here."""
