import random


async def test_operator_builds_lists_and_reads_a_report(http, token, reports_dir):
    op = token("operator")
    year = random.randint(2001, 2015)
    built = await http.post("/v1/reports/build", params={"from": f"{year}-05-04", "to": f"{year}-05-10"}, headers=op)
    assert built.status_code == 200, built.text
    report_id = built.json()["report_id"]
    listed = (await http.get("/v1/reports", headers=op)).json()
    assert report_id in [r["id"] for r in listed]
    one = (await http.get(f"/v1/reports/{report_id}", headers=op)).json()
    assert one["period_from"] == f"{year}-05-04" and one["headline"]["orders"] == 0
    page = await http.get(one["html_url"], headers=op)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Effectiveness report" in page.text and "<script" not in page.text


async def test_reports_are_for_operators_only(http, token):
    r = await http.get("/v1/reports", headers=token("member-app", "m1"))
    assert r.status_code == 403
    assert (await http.get("/v1/reports")).status_code == 401


async def test_unknown_report_and_bad_period(http, token, reports_dir):
    op = token("operator")
    assert (await http.get("/v1/reports/999999999", headers=op)).status_code == 404
    r = await http.post("/v1/reports/build", params={"from": "2026-05-10", "to": "2026-05-04"}, headers=op)
    assert r.status_code == 422 and "before" in r.json()["detail"]
