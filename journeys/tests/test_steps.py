"""The step graph is checked before anything runs: no database needed."""

from journeys.steps import steps_validate


def _send(key, nxt=""):
    return {"key": key, "type": "send", "channel": "sms", "purpose": "marketing", "body": "Xin chào", "next": nxt}


def test_a_valid_two_branch_graph_has_no_problems():
    steps = [
        _send("s1", "w1"),
        {"key": "w1", "type": "wait", "days": 2, "next": "b1"},
        {"key": "b1", "type": "branch", "condition": "clicked", "yes": "e1", "no": "s2"},
        _send("s2", "e1"),
        {"key": "e1", "type": "end"},
    ]
    assert steps_validate(steps) == {}


def test_a_loop_without_a_wait_is_refused_with_its_path():
    steps = [
        _send("s1", "b1"),
        {"key": "b1", "type": "branch", "condition": "clicked", "yes": "e1", "no": "s1"},
        {"key": "e1", "type": "end"},
    ]
    problems = steps_validate(steps)
    assert any("Vòng lặp không có bước chờ" in m and "s1 → b1 → s1" in m for m in sum(problems.values(), []))


def test_a_loop_through_a_wait_is_allowed():
    steps = [
        _send("s1", "w1"),
        {"key": "w1", "type": "wait", "days": 7, "next": "b1"},
        {"key": "b1", "type": "branch", "condition": "bought", "yes": "e1", "no": "s1"},
        {"key": "e1", "type": "end"},
    ]
    assert steps_validate(steps) == {}


def test_a_send_without_a_consent_purpose_is_refused():
    step = _send("s1")
    del step["purpose"]
    assert "s1" in steps_validate([step])


def test_a_branch_on_a_segment_that_no_longer_exists_is_refused():
    steps = [
        {"key": "b1", "type": "branch", "condition": "in_segment", "value": 999, "yes": "e1", "no": "e1"},
        {"key": "e1", "type": "end"},
    ]
    assert "không còn tồn tại" in " ".join(steps_validate(steps, segment_ids=[1, 2])["b1"])
    assert steps_validate(steps, segment_ids=[999]) == {}


def test_dangling_duplicate_and_unreachable_steps_are_named():
    problems = steps_validate([_send("s1", "nowhere"), _send("s1"), {"key": "x", "type": "end"}])
    assert "s1" in problems
    problems = steps_validate([_send("s1"), {"key": "x", "type": "end"}])
    assert "x" in problems


def test_empty_or_garbage_steps_are_refused_not_crashing():
    assert steps_validate([]) and steps_validate("x") and steps_validate([{"type": "send"}, 5])
    assert steps_validate([{"key": "w", "type": "wait", "days": "abc"}])
    assert steps_validate([{"key": "w", "type": "wait", "days": 0}])
