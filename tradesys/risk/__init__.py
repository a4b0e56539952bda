"""Risk: the kill switch's tiers and the venue-side gate every trading engine applies."""

from tradesys.risk.gate import GateLimits, OrderCheck, RiskGate
from tradesys.risk.killswitch import KillSwitch, Mode

__all__ = ["GateLimits", "KillSwitch", "Mode", "OrderCheck", "RiskGate"]
