"""`liveperks`: one command for operators and developers."""

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

if __name__ == "__main__":
    app()
