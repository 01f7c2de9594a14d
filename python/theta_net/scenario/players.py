"""The scripted players of a run: each joins at its tick over its link, and its actions become
intents tick by tick (moves and looks held while an action runs, paths walked waypoint by
waypoint, placements, breaks, chat and partitions once)."""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Optional, Tuple

from .. import _core
from .spec import Action, ScenarioSpec

ARRIVED = 0.35  # blocks: close enough to a path waypoint to head for the next one


def player_tokens(spec: ScenarioSpec) -> Dict[str, str]:
    """The game's auth tokens when any player has a role (one token per player, named after it;
    a player without a role is an editor, the game's default); none otherwise."""
    if not any(p.role for p in spec.players):
        return {}
    return {_token(p.name): p.role or "editor" for p in spec.players}


def _token(name: str) -> str:
    return f"token-{name}"


class ScriptedPlayers:
    """Joins the spec's players into a LocalGame and turns their actions into intents."""

    def __init__(self, spec: ScenarioSpec, game: _core.LocalGame, transport: str) -> None:
        self.spec, self.game, self.transport = spec, game, transport
        self.index: Dict[str, int] = {}  # player name -> client index, in joining order
        self.last_intent: Dict[str, Tuple[List[str], float, float]] = {}
        self.waypoint: Dict[int, int] = {}  # id(action) -> next waypoint

    def join(self, tick: int, client_events: Callable[[str], Optional[str]]) -> None:
        """Adds the players who join at this tick; client_events(name) is the path of a player's
        event stream, or None. (A callable kept here would tie the runner into a reference cycle,
        keeping its closed game, chunks and all, alive until the cyclic collector runs.)"""
        for player in self.spec.players:
            if player.join_tick == tick and player.name not in self.index:
                net = self.spec.network.merged(player.network)
                # Over QUIC, a player who is cut off goes through the relay that cuts it.
                cut = self.transport == "quic" and any(a.disconnect_ticks for a in player.actions)
                relay = self.transport != "sim" and (net.relay or net.impaired() or cut)
                token = _token(player.name) if any(p.role for p in self.spec.players) else None
                self.index[player.name] = self.game.add_client(
                    player.name,
                    relay=relay,
                    events=client_events(player.name),
                    token=token,
                    **net.link_kwargs(),
                )

    def act(self, tick: int) -> None:
        """Sets each joined player's intent for this tick (only when it changes)."""
        for player in self.spec.players:
            if player.name not in self.index:
                continue
            i = self.index[player.name]
            client = self.game.client(i)
            move: List[str] = []
            yaw = pitch = None
            once: Dict[str, Any] = {}
            for action in player.actions:
                if not action.start <= tick <= action.end:
                    continue
                move += action.move
                if action.yaw is not None:
                    yaw = action.yaw
                if action.pitch is not None:
                    pitch = action.pitch
                if action.path:
                    heading = self._follow(action, client)
                    if heading is not None:
                        move.append("forward")
                        yaw = heading
                if tick == action.start:
                    if action.place:
                        once.update(place=action.place, face=action.face, block=action.block)
                    if action.break_block:
                        once.update(break_block=action.break_block)
                    if action.chat:
                        client.say(action.chat)
                    if action.disconnect_ticks:
                        self.game.cut_off(i, action.disconnect_ticks / self.spec.tick_rate)
            previous = self.last_intent.get(player.name, ([], 0.0, 0.0))
            yaw = previous[1] if yaw is None else yaw
            pitch = previous[2] if pitch is None else pitch
            intent = (sorted(set(move)), yaw, pitch)
            if once or intent != previous:
                client.intent(move=intent[0], yaw=yaw, pitch=pitch, **once)
                self.last_intent[player.name] = intent

    def _follow(self, action: Action, client: _core.GameClientView) -> Optional[float]:
        """The yaw (degrees) toward the next waypoint of a path, or None once it is walked."""
        player = client.player
        if player is None:
            return None
        x, _, z = player["position"]
        k = self.waypoint.get(id(action), 0)
        while k < len(action.path):
            tx, tz = action.path[k]
            dx, dz = tx - x, tz - z
            if math.hypot(dx, dz) > ARRIVED:
                self.waypoint[id(action)] = k
                return math.degrees(math.atan2(-dx, dz)) % 360  # 0 = +z, 90 = -x
            k += 1
        self.waypoint[id(action)] = k
        return None
