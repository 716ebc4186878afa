"""The milestone burst benchmark's run, small: every present viewer gets exactly one coupon, each with its
notification, through real ticks."""

from bench.milestone_burst import Burst, run_burst
from tests.conftest import unique


def test_every_viewer_present_at_the_milestone_gets_one_coupon_and_one_notification(database_url):
    burst = Burst(room=unique("mb-room"), template=unique("mb-tpl"), campaign=unique("mb-camp"))
    figures = run_burst(60, burst)
    assert figures["grants_by_status"] == {"granted": 60}
    assert figures["coupons"] == figures["members_with_a_coupon"] == figures["coupon_notifications"] == 60
    assert figures["every_viewer_once"] is True and figures["burst_s"] > 0
