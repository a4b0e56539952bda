"""The queue model's split of a shrinking level between the quantity ahead of our order and behind it."""

import pytest

from tradesys.backtest.queue import QueueModel, QueueModelError


def test_just_after_joining_every_cancel_is_ahead_and_at_the_front_none_is():
    model = QueueModel("prob", 3.0)
    assert model.split(4, ahead=10, behind=0) == 4
    assert model.split(4, ahead=0, behind=10) == 0


def test_the_probabilistic_share_follows_the_power_of_the_two_sides():
    # f(x) = x**3: ahead 2, behind 1 -> 8 / 9 of the decrease is ahead.
    assert QueueModel("prob", 3.0).split(9, ahead=2, behind=10) == round(9 * 8 / (8 + 1000))
    assert QueueModel("prob", 1.0).split(10, ahead=30, behind=70) == 3
    assert QueueModel("prob", 2.0).split(10, ahead=30, behind=30) == 5


def test_risk_averse_takes_from_behind_until_the_level_is_below_what_was_ahead():
    model = QueueModel("risk_averse")
    assert model.split(5, ahead=10, behind=20) == 0
    assert model.split(25, ahead=10, behind=20) == 5      # the level fell below our place: we moved up


def test_a_split_never_takes_more_than_a_side_holds():
    model = QueueModel("prob", 0.5)
    for decrease in range(0, 31):
        taken = model.split(decrease, ahead=10, behind=20)
        assert 0 <= taken <= 10 and decrease - taken <= 20


def test_an_unknown_model_or_power_is_refused_by_name():
    with pytest.raises(QueueModelError, match="backtest.queue.model"):
        QueueModel("fifo")
    with pytest.raises(QueueModelError, match="backtest.queue.power"):
        QueueModel("prob", 0)
