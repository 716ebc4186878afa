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


def test_dotted_quads_read_by_hand_name_the_network_ipaddress_names():
    from risk.logfile import _network_by_ipaddress
    tricky = ["0.0.0.0", "255.255.255.255", "10.0.0.157", "1.2.3.256", "010.1.2.3", "1.2.3.04", "1.2.3.4.5", "1.2.3",
              " 1.2.3.4", "1.2.3.4 ", "1.2.3.+4", "1.2.3.-4", "１.2.3.4", "1.2.3.٤", "1.2..4", "1.2.3.0000",
              "::1.2.3.4", "1.2.3.4/24", "1_0.2.3.4", "10.1.2.3"]
    assert {ip: network_of(ip) for ip in tricky} == {ip: _network_by_ipaddress(ip) for ip in tricky}
    assert network_of("10.0.0.157") == "10.0.0.0/24" and network_of("1.2.3.04") == ""
