"""Copy-trading groups: a leader's fills become orders on its followers.

Each follower order goes through the follower's own check chain (source ``copy``) and
its decision lands in the audit log like any other. The size is the leader's fill times
the follower's ratio, rounded; a size of 0 is skipped. A fill that reduced the leader's
position is copied as an exit (``intent: close``), capped at what the follower holds,
so it passes every check. No account may both lead and follow, so copies never cascade.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ordergate.runtime.brokers.base import Fill
from ordergate.runtime.errors import BadRequest, Conflict, NotFound, RequestError

if TYPE_CHECKING:
    from ordergate.runtime.service import Runtime


@dataclass(frozen=True, slots=True)
class Follower:
    account: str
    ratio: float


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    leader: str
    followers: tuple[Follower, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "leader": self.leader,
            "followers": [{"account": f.account, "ratio": f.ratio} for f in self.followers],
        }


class Copier:
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self.groups: dict[str, Group] = {}

    def load(self) -> None:
        for g in self.rt.core.store.copy_groups():
            self.groups[g["name"]] = Group(
                g["name"], g["leader"], tuple(Follower(f["account"], f["ratio"]) for f in g["followers"])
            )

    def groups_with(self, accounts: list[str]) -> list[str]:
        wanted = set(accounts)
        return sorted(
            g.name
            for g in self.groups.values()
            if g.leader in wanted or wanted & {f.account for f in g.followers}
        )

    def create(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise BadRequest("body", "the body must be a JSON object")
        name, leader, followers = body.get("name"), body.get("leader"), body.get("followers")
        if not isinstance(name, str) or not name:
            raise RequestError("name", "is required")
        if name in self.groups:
            raise Conflict("name", f"a copy group named {name!r} exists already")
        self.rt.core.account(str(leader), "leader")
        if not isinstance(followers, list) or not followers:
            raise RequestError("followers", "must list at least one {account, ratio}")
        leaders = {g.leader for g in self.groups.values()} | {leader}
        following = {f.account for g in self.groups.values() for f in g.followers}
        parsed = []
        for i, f in enumerate(followers):
            account = f.get("account") if isinstance(f, dict) else None
            self.rt.core.account(str(account), f"followers[{i}].account")
            ratio = f.get("ratio", 1) if isinstance(f, dict) else None
            if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not 0 < ratio <= 100:
                raise RequestError(f"followers[{i}].ratio", "must be a number above 0 and at most 100")
            if account in leaders:
                raise Conflict(
                    f"followers[{i}].account",
                    f"{account} leads a group; an account cannot both lead and follow",
                )
            parsed.append(Follower(str(account), float(ratio)))
        if leader in following:
            raise Conflict(
                "leader", f"{leader} follows in another group; an account cannot both lead and follow"
            )
        group = Group(name, str(leader), tuple(parsed))
        self.rt.core.store.save_copy_group(name, group.leader, group.to_dict()["followers"])
        self.groups[name] = group
        return group.to_dict()

    def delete(self, name: str) -> dict[str, Any]:
        if name not in self.groups:
            raise NotFound("name", f"no copy group {name!r}")
        self.rt.core.store.delete_copy_group(name)
        return self.groups.pop(name).to_dict()

    def on_fill(self, fill: Fill, entry: bool) -> None:
        """Called for every booked fill; copies a leader's fill to its followers."""
        for group in self.groups.values():
            if group.leader == fill.account:
                for follower in group.followers:
                    self.rt._spawn(self._copy(group, follower, fill, entry))

    async def _copy(self, group: Group, follower: Follower, fill: Fill, entry: bool) -> None:
        qty = int(fill.qty * follower.ratio + 0.5)
        state = self.rt.core.accounts.get(follower.account)
        if state is None or qty == 0:
            return
        body: dict[str, Any] = {
            "account": follower.account,
            "symbol": fill.symbol,
            "side": fill.side,
            "qty": qty,
            "source": "copy",
        }
        if not entry:
            held = state.holdings.get(fill.root)
            if held is None or held.qty == 0:
                return
            body.update(qty=min(qty, abs(held.qty)), intent="close")
        try:
            status, answer = await self.rt.gateway.submit(body, "copy")
        except Exception as exc:  # one follower's failure must not stop the others
            status, answer = 500, {"error": str(exc)}
        self.rt.core.bus.publish(
            "copy",
            {
                "group": group.name,
                "leader": group.leader,
                "follower": follower.account,
                "status": status,
                "decision": answer.get("decision"),
            },
        )
