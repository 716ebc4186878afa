"""One plain sentence per section: what an operator should take away, computed from the figures."""

from reports.format import num, pct, yuan


def points(s: dict) -> str:
    if not s["issued"] and not s["consumed"]:
        return "No points moved in this period."
    top = s["by_rule"][0]["rule"] if s["by_rule"] else "nothing"
    return (f"Members earned {num(s['issued'])} points and used {num(s['consumed'])} "
            f"({pct(s['consumption_rate'])} of what was earned); most came from {top}, "
            f"and {num(s['outstanding'])} points are still outstanding.")


def coupons(s: dict | None) -> str:
    if s is None:
        return "No data yet: the coupon tables are not in this database."
    if not s["issued"] and not s["redeemed"]:
        return "No coupons were issued or redeemed in this period."
    return (f"{num(s['issued'])} coupons went out and {num(s['redeemed'])} were used on orders, costing "
            f"{yuan(s['cost_fen'])} in discounts against {yuan(s['gmv_fen'])} of GMV on those orders.")


def buyers(s: dict) -> str:
    a, b = s["participants"], s["others"]
    if not a["members"] or not b["members"]:
        return f"{num(s['buyers'])} members bought {yuan(s['gmv_fen'])}; no comparison group this period."
    lift = (a["conversion"] or 0) - (b["conversion"] or 0)
    return (f"Members who took part converted at {pct(a['conversion'])} against {pct(b['conversion'])} for "
            f"those who did not ({lift * 100:+.1f} points; a correlation, see Experiments for cause), "
            f"with average orders of {yuan(a['aov_fen'])} against {yuan(b['aov_fen'])}.")


def rules(s: dict) -> str:
    if not s["rules"]:
        return "No campaign rule granted anything in this period."
    best = max(s["rules"], key=lambda r: r["members"])
    play = s["plays"][0]["trigger"] if s["plays"] else "none"
    return (f"{best['rule']} reached the most members ({num(best['members'])}) at a cost of "
            f"{yuan(best['cost_fen'])}; the most popular play was {play}.")


def risk(s: dict) -> str:
    held, denied = s["orders_held"], s["orders_denied"]
    saved = s["grants"]["value_saved_fen"] if s["grants"] else 0
    g = f" and {num(s['grants']['held'])} held / {num(s['grants']['denied'])} denied campaign grants " \
        f"({yuan(saved)} saved)" if s["grants"] else ""
    if not held and not denied and not saved:
        return "The risk check held or denied nothing in this period."
    return f"The risk check held {num(held)} and denied {num(denied)} orders' points{g}."


def experiments(items: list[dict]) -> str:
    if not items:
        return "No experiment ran in this period."
    verdicts = [a["verdict"] for e in items for a in e["arms"] if a.get("verdict")]
    return verdicts[0] + ("" if len(verdicts) == 1 else f" (and {len(verdicts) - 1} more arms below).") \
        if verdicts else "Experiments ran without a holdout, so no causal verdict is possible."


def week_over_week(rows: list[dict]) -> str:
    moved = [r for r in rows if r["change"] not in ("–", "no change", "new")]
    if not moved:
        return "No comparable previous period figures yet."
    big = max(moved, key=lambda r: abs(float(r["change"].rstrip("%"))))
    return f"The biggest move against the previous period: {big['label']} {big['change']}."
