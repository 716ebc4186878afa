"""`liveperks`: one command for operators and developers."""

import os
import sys

import typer

from cli import campaigns, coupons, db, demo, dev, events, exchanges, keys, ledger, orders, reports, risk, rooms

app = typer.Typer(help="liveperks: points and coupons for live-commerce rooms.", no_args_is_help=True)
app.add_typer(dev.app, name="dev")
app.add_typer(db.app, name="db")
app.add_typer(keys.app, name="keys")
app.add_typer(ledger.app, name="ledger")
app.add_typer(orders.app, name="orders")
app.add_typer(rooms.app, name="rooms")
app.add_typer(events.app, name="events")
app.add_typer(campaigns.app, name="campaigns")
app.add_typer(coupons.app, name="coupons")
app.add_typer(exchanges.app, name="exchanges")
app.add_typer(reports.app, name="reports")
app.add_typer(risk.app, name="risk")
app.command("demo")(demo.run)



def main() -> None:
    """Run the command, then leave without interpreter teardown.

    The Temporal client's Rust threads can outlive the event loop and abort a
    short-lived process while Python finalizes (temporalio/sdk-python#300), so
    a command that already finished must not be turned into a SIGABRT.
    """
    try:
        app()
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        if isinstance(done.code, str):
            print(done.code, file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
