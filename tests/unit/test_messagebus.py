"""The message bus: a command to its one handler (its result back), an event to each of its
handlers in order, dependencies by parameter name, made anew per message when Fresh, replaced for
one message when handed in."""
import itertools
from dataclasses import dataclass

import pytest

from runtime.messagebus import Fresh, MessageBus, UnknownMessage


@dataclass(frozen=True)
class Add:
    n: int


@dataclass(frozen=True)
class Added:
    n: int


class Counter:
    def __init__(self, name: str):
        self.name, self.total = name, 0


async def add(cmd: Add, counter: Counter, seen: list) -> int:
    counter.total += cmd.n
    seen.append(("add", counter.name, cmd.n))
    return counter.total


async def first(event: Added, seen: list) -> None:
    seen.append(("first", event.n))


async def second(event: Added, seen: list, counter: Counter) -> None:
    seen.append(("second", event.n, counter.name))


def bus(seen: list, counter) -> MessageBus:
    return MessageBus({Add: add}, {Added: [first, second]}, {"seen": seen, "counter": counter})


async def test_a_command_goes_to_its_handler_and_its_result_comes_back():
    seen, counter = [], Counter("shared")
    the_bus = bus(seen, counter)
    assert await the_bus.handle(Add(2)) == 2
    assert await the_bus.handle(Add(3)) == 5
    assert seen == [("add", "shared", 2), ("add", "shared", 3)]


async def test_an_event_goes_to_each_of_its_handlers_in_order():
    seen = []
    assert await bus(seen, Counter("c")).handle(Added(7)) is None
    assert seen == [("first", 7), ("second", 7, "c")]


async def test_a_fresh_dependency_is_made_for_every_message():
    numbers = itertools.count(1)
    seen = []
    the_bus = bus(seen, Fresh(lambda: Counter(f"uow-{next(numbers)}")))
    assert await the_bus.handle(Add(1)) == 1 and await the_bus.handle(Add(1)) == 1
    await the_bus.handle(Added(0))
    assert [s[1] if s[0] == "add" else s[2] for s in seen if s[0] != "first"] == ["uow-1", "uow-2", "uow-3"]


async def test_a_dependency_handed_in_replaces_the_bus_own_for_that_message():
    seen, own, handed = [], Counter("own"), Counter("batch")
    the_bus = bus(seen, own)
    assert await the_bus.handle(Add(4), counter=handed) == 4
    assert await the_bus.handle(Add(1)) == 1
    assert (own.total, handed.total) == (1, 4)


async def test_unknown_messages_and_missing_dependencies_are_refused():
    with pytest.raises(UnknownMessage, match="Counter"):
        await bus([], Counter("c")).handle(Counter("not a message"))
    with pytest.raises(TypeError, match="add needs counter"):
        MessageBus({Add: add}, {}, {"seen": []})
    with pytest.raises(ValueError, match="both a command and an event"):
        MessageBus({Add: add}, {Add: [first]}, {"seen": [], "counter": Counter("c")})
