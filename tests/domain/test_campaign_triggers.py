"""Each trigger's matching function on its own."""

from domain.campaigns import triggers as t
from domain.campaigns.text import contains_any, normalize


def test_heartbeats_accumulate_across_gaps_and_reentries():
    w, last = 0.0, None
    for at in (0, 30, 60, 90):
        w, last = t.add_heartbeat(w, last, at, gap_s=90)
    assert w == 90
    w, last = t.add_heartbeat(w, last, 170, gap_s=90)  # an 80 s gap: still watching
    assert w == 170
    w, last = t.add_heartbeat(w, last, 400, gap_s=90)  # 230 s away (left and came back): not counted
    assert w == 170
    w, last = t.add_heartbeat(w, last, 430, gap_s=90)
    assert w == 200


def test_watched_enough_is_per_multiple():
    assert not t.watched_enough(299, 5, 0)
    assert t.watched_enough(300, 5, 0)
    assert not t.watched_enough(300, 5, 1) and t.watched_enough(600, 5, 1)


def test_watched_without_order():
    assert t.watched_without_order(600, False, 10)
    assert not t.watched_without_order(600, True, 10)
    assert not t.watched_without_order(599, False, 10)
    assert not t.watched_without_order(630, False, 10, times_granted=1)  # per_viewer > 1: every 10 minutes
    assert t.watched_without_order(1200, False, 10, times_granted=1)


def test_comment_keyword_ignores_case_width_and_script():
    assert t.comment_matches("I WANT it", ["want"])
    assert t.comment_matches("ＬＵＣＫＹ draw", ["lucky"])  # full-width
    assert t.comment_matches("我想要這個", ["想要这个"])  # traditional vs simplified
    assert t.comment_matches("送福利😍😍", ["福利"])  # emoji around
    assert t.comment_matches("😍", ["😍"])
    assert t.comment_matches("爱你❤", ["❤️"]) and t.comment_matches("❤️!", ["❤"])  # ❤ with or without its selector
    assert not t.comment_matches("♥", ["❤"])  # a different heart
    assert not t.comment_matches("nothing here", ["想要"])
    assert not t.comment_matches("", ["x"])
    assert normalize("１２３ＡＢＣ") == "123abc"
    assert not contains_any("abc", [""])


def test_likes_and_room_thresholds():
    assert not t.likes_reached(9, 10, 0) and t.likes_reached(10, 10, 0) and not t.likes_reached(19, 10, 1)
    assert t.thresholds_crossed(90, 1200, [100, 1000, 5000]) == [100, 1000]
    assert t.thresholds_crossed(100, 200, [100]) == []


def test_first_visit():
    assert t.is_first_visit("m1", {"m2"}) and not t.is_first_visit("m1", {"m1"})


def test_online_milestone_and_lottery_is_reproducible_from_its_seed():
    assert t.milestone_crossed(9_990, 10_004, 10_000) and not t.milestone_crossed(10_004, 10_100, 10_000)
    seed = t.lottery_seed("camp", "rule", "ev-1")
    entrants = [f"m{i}" for i in range(100)]
    winners = t.lottery_winners(entrants, 5, seed)
    assert len(winners) == 5 and set(winners) <= set(entrants)
    assert t.lottery_winners(list(reversed(entrants)), 5, seed) == winners  # order of entrants does not matter
    assert t.lottery_winners(entrants, 5, t.lottery_seed("camp", "rule", "ev-2")) != winners
    assert t.lottery_winners(["a"], 3, seed) == ["a"]


def test_a_recorded_draw_verifies_and_a_changed_one_does_not():
    seed = t.lottery_seed("camp", "rule", "ev-1")
    entrants = [f"m{i}" for i in range(50)]
    winners = t.lottery_winners(entrants, 3, seed)
    assert t.lottery_verified(entrants, winners, seed)
    assert t.lottery_verified([], [], seed)
    swapped = [w for w in entrants if w not in winners][:1] + winners[1:]
    assert not t.lottery_verified(entrants, swapped, seed)  # a winner replaced
    assert not t.lottery_verified(entrants, list(reversed(winners)), seed)  # the order is part of the draw
    assert not t.lottery_verified(entrants, winners, t.lottery_seed("camp", "rule", "ev-2"))
    assert not t.lottery_verified([w for w in entrants if w != winners[0]], winners, seed)  # an entrant removed
    assert not t.lottery_verified(["a"], ["a", "b"], seed)  # more winners than entrants


def test_host_command_first_n_and_within():
    cmd = t.OpenCommand("e1", "福利", opened_at=100, until=130, taken=0)
    assert t.answers_command("福利!", 110, cmd, mode="first_n", n=2)
    assert not t.answers_command("福利!", 110, t.OpenCommand("e1", "福利", 100, 130, taken=2), mode="first_n", n=2)
    assert t.answers_command("福利", 129, cmd, mode="comment_within", n=1)
    assert not t.answers_command("福利", 131, cmd, mode="comment_within", n=1)
    assert not t.answers_command("hello", 110, cmd, mode="comment_within", n=1)
    assert t.command_word_allowed("福利", None) and not t.command_word_allowed("抽奖", "福利")


def test_flash_sale_and_top_fans():
    assert t.in_flash_sale("comment", ["comment", "like"], True)
    assert not t.in_flash_sale("comment", ["comment"], False)
    assert not t.in_flash_sale("share", ["comment"], True)
    assert t.top_fans(["a", "b", "c"], 2) == ["a", "b"] and t.top_fans([], 3) == []
