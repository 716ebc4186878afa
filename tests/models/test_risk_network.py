"""PostgreSQL's risk_network() (the fold and training group IPs by it) and the Python network_of()
(the offline log evaluator) name the same /24 or /64 network, and neither raises on junk."""

from sqlalchemy import text

from risk.logfile import network_of

ADDRESSES = ["10.1.2.3", "192.0.2.255", "2001:db8::1", "2001:db8:0:0:ffff::9", "::ffff:10.0.0.1", "", "not-an-ip",
             "999.1.1.1", "10.1.2.0/24", "10.1.2", "fe80::1%eth0"]


def test_sql_and_python_networks_agree(conn):
    rows = conn.execute(text("SELECT x, risk_network(x) FROM unnest(CAST(:ips AS text[])) AS x"),
                        {"ips": ADDRESSES}).all()
    got = dict(rows)
    assert got["10.1.2.3"] == "10.1.2.0/24" and got["2001:db8::1"] == "2001:db8::/64"
    assert got["not-an-ip"] == got["999.1.1.1"] == got[""] == got["10.1.2.0/24"] == ""
    assert got == {ip: network_of(ip) for ip in ADDRESSES}
