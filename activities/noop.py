from temporalio import activity


@activity.defn(name="noop")
def noop(value: str) -> str:
    return value
