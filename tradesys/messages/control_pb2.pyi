from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ActorState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTOR_STATE_UNSPECIFIED: _ClassVar[ActorState]
    ACTOR_STATE_STARTING: _ClassVar[ActorState]
    ACTOR_STATE_RUNNING: _ClassVar[ActorState]
    ACTOR_STATE_DEGRADED: _ClassVar[ActorState]
    ACTOR_STATE_STOPPING: _ClassVar[ActorState]
    ACTOR_STATE_STOPPED: _ClassVar[ActorState]
    ACTOR_STATE_FAILED: _ClassVar[ActorState]

class RiskAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RISK_ACTION_UNSPECIFIED: _ClassVar[RiskAction]
    RISK_ACTION_HALT: _ClassVar[RiskAction]
    RISK_ACTION_REDUCE_ONLY: _ClassVar[RiskAction]
    RISK_ACTION_FLATTEN: _ClassVar[RiskAction]
    RISK_ACTION_RESUME: _ClassVar[RiskAction]
ACTOR_STATE_UNSPECIFIED: ActorState
ACTOR_STATE_STARTING: ActorState
ACTOR_STATE_RUNNING: ActorState
ACTOR_STATE_DEGRADED: ActorState
ACTOR_STATE_STOPPING: ActorState
ACTOR_STATE_STOPPED: ActorState
ACTOR_STATE_FAILED: ActorState
RISK_ACTION_UNSPECIFIED: RiskAction
RISK_ACTION_HALT: RiskAction
RISK_ACTION_REDUCE_ONLY: RiskAction
RISK_ACTION_FLATTEN: RiskAction
RISK_ACTION_RESUME: RiskAction

class Heartbeat(_message.Message):
    __slots__ = ("actor", "state", "started_ts", "interval_ns", "counters", "detail")
    class CountersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STARTED_TS_FIELD_NUMBER: _ClassVar[int]
    INTERVAL_NS_FIELD_NUMBER: _ClassVar[int]
    COUNTERS_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    actor: str
    state: ActorState
    started_ts: int
    interval_ns: int
    counters: _containers.ScalarMap[str, int]
    detail: str
    def __init__(self, actor: _Optional[str] = ..., state: _Optional[_Union[ActorState, str]] = ..., started_ts: _Optional[int] = ..., interval_ns: _Optional[int] = ..., counters: _Optional[_Mapping[str, int]] = ..., detail: _Optional[str] = ...) -> None: ...

class RiskCommand(_message.Message):
    __slots__ = ("action", "venue", "strategy_id", "reason", "issued_by")
    ACTION_FIELD_NUMBER: _ClassVar[int]
    VENUE_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ISSUED_BY_FIELD_NUMBER: _ClassVar[int]
    action: RiskAction
    venue: str
    strategy_id: str
    reason: str
    issued_by: str
    def __init__(self, action: _Optional[_Union[RiskAction, str]] = ..., venue: _Optional[str] = ..., strategy_id: _Optional[str] = ..., reason: _Optional[str] = ..., issued_by: _Optional[str] = ...) -> None: ...
