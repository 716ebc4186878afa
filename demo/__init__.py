"""The demo `make demo` plays on the embedded stack."""
