"""Ray actors: the shared lifecycle and the built-in actors."""

from tradesys.actors.base import ActorBase, ActorContext, Directory

__all__ = ["ActorBase", "ActorContext", "Directory"]
