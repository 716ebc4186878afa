"""Demo steps, one per product area, each `async def play(ctx: DemoContext) -> None`."""
