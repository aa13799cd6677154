"""The message bus of a service (after cosmicpython/code, `service_layer/messagebus.py` and
`bootstrap.py`): a command goes to exactly one handler and its result comes back; an event goes to
each of its handlers, in the order declared. The maps are declared next to the handlers.

Dependencies are injected by parameter name: a handler `async def receive(cmd, uow, clock)` gets
the bus's `uow` and `clock`. A dependency given as `Fresh(factory)` is made anew for each message
(a unit of work); one passed to `handle` as a keyword replaces the bus's own for that message (the
consumer hands in the unit of work that joins its batch)."""
import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Handler = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class Fresh:
    """A dependency made anew, by calling `factory`, for every message."""

    factory: Callable[[], Any]


class UnknownMessage(LookupError):
    """The bus has no handler for this message type."""


class MessageBus:
    def __init__(self, commands: Mapping[type, Handler], events: Mapping[type, Iterable[Handler]],
                 dependencies: Mapping[str, Any]):
        both = set(commands) & set(events)
        if both:
            raise ValueError(f"both a command and an event: {sorted(t.__name__ for t in both)}")
        self.dependencies = dict(dependencies)
        self._commands = {kind: _Bound(handler, self.dependencies) for kind, handler in commands.items()}
        self._events = {kind: [_Bound(h, self.dependencies) for h in handlers]
                        for kind, handlers in events.items()}

    @property
    def event_types(self) -> list[type]:
        return list(self._events)

    @property
    def command_types(self) -> list[type]:
        return list(self._commands)

    async def handle(self, message: object, **overrides: Any) -> Any:
        """A command's result, or None for an event (after every handler of it ran)."""
        kind = type(message)
        if kind in self._commands:
            return await self._commands[kind](message, overrides)
        if kind in self._events:
            for handler in self._events[kind]:
                await handler(message, overrides)
            return None
        raise UnknownMessage(f"no handler for {kind.__name__}")


class _Bound:
    """A handler with the dependencies its parameters name; checked when the bus is built."""

    def __init__(self, handler: Handler, dependencies: Mapping[str, Any]):
        names = list(inspect.signature(handler).parameters)[1:]  # the first is the message
        missing = [n for n in names if n not in dependencies]
        if missing:
            raise TypeError(f"{handler.__qualname__} needs {', '.join(missing)}, which the bus lacks")
        self.handler, self.names, self.dependencies = handler, names, dependencies

    async def __call__(self, message: object, overrides: Mapping[str, Any]) -> Any:
        kwargs = {}
        for name in self.names:
            value = overrides[name] if name in overrides else self.dependencies[name]
            kwargs[name] = value.factory() if isinstance(value, Fresh) else value
        return await self.handler(message, **kwargs)
