"""`liveperks demo` (what `make demo` runs): see demo/ for the story it plays."""


def run() -> None:
    """Start the embedded stack and play the demo."""
    from demo.main import main

    main()
